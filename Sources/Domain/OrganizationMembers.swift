import Storage

/// An Admin's changes to who manages an organization: a member's role, a member's removal. Each is
/// one transaction under the organization's lock (the last-Admin rule counts its Admins), with its
/// audit entry; the answer is the sentence the console shows.
public struct OrganizationMembers {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    func changeRole(of userID: Int, in organization: Int, to role: Role, by access: Access) throws -> String {
        try access.require(.manageUsers, in: organization)
        return try database.transaction(locking: [.organization(organization)]) {
            let (email, before) = try member(userID, of: organization)
            try Accounts(database: database).changeRole(userID: userID, organizationID: organization, to: role)
            try AuditLog(database: database).record(actorID: access.userID, actor: access.email, organizationID: organization, action: "Role changed",
                                                   subject: email, details: ["before": before.rawValue, "after": role.rawValue])
            try DomainEvents(database: database).record(DomainEvent(.roleChanged, organization: organization, user: userID,
                                                                    payload: ["before": .string(before.rawValue), "after": .string(role.rawValue)]))
            return "\(email) is now \(role.rawValue)."
        }
    }

    func remove(_ userID: Int, from organization: Int, by access: Access) throws -> String {
        try access.require(.manageUsers, in: organization)
        return try database.transaction(locking: [.organization(organization)]) {
            let (email, before) = try member(userID, of: organization)
            try Accounts(database: database).removeRole(userID: userID, organizationID: organization)
            try AuditLog(database: database).record(actorID: access.userID, actor: access.email, organizationID: organization, action: "User removed",
                                                   subject: email, details: ["role": before.rawValue])
            try DomainEvents(database: database).record(DomainEvent(.userRemoved, organization: organization, user: userID,
                                                                    payload: ["role": .string(before.rawValue)]))
            return "\(email) was removed from this organization."
        }
    }

    /// A member's email and role, read under the lock; another organization's user answers like a missing one.
    private func member(_ userID: Int, of organization: Int) throws -> (email: String, role: Role) {
        guard let member = try Accounts(database: database).members(of: organization).first(where: { $0.userID == userID }) else {
            throw UserError.notFound("That user is not a member of this organization.")
        }
        return (member.email, member.role)
    }
}
