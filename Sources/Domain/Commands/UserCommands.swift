import Foundation
import Storage

/// An Admin invites someone to an organization as `role`: nothing changes until the person accepts
/// (`UserInvitations`). A new invitation replaces an earlier one to the same address; an organization
/// sends at most `dailyLimit` a day. The outcome is what the Admin is told, the same for a known and
/// an unknown address.
public struct InviteUser: Command {
    public let email: String
    public let role: Role
    public let organizationID: Int
    public var dailyLimit = UserInvitations.perOrganizationPerDay
    public var now = Date()

    public init(email: String, role: Role, to organizationID: Int) {
        self.email = email
        self.role = role
        self.organizationID = organizationID
    }

    public func run(by access: Access, in database: Database) throws -> String {
        try access.require(.manageUsers, in: organizationID)
        let email = try Accounts.validEmail(email)
        return try database.transaction(locking: [.organization(organizationID)]) {
            guard try database.scalarInt("""
                SELECT count(*) FROM outbox WHERE org_id = \(p: 1) AND kind = 'user invitation' AND created_at > \(p: 2)
                """, [.init(organizationID), .text(DateText.store(now.addingTimeInterval(-24 * 60 * 60)))]) < dailyLimit else {
                throw UserError.tooManyRequests("An organization may send \(dailyLimit) invitations in 24 hours. Send the rest later.",
                                                retryAfterSeconds: 3600)
            }
            // A member is listed on the Admin's own page: saying so reveals nothing.
            if try database.scalarInt("""
                SELECT count(*) FROM user_roles r JOIN users u ON u.id = r.user_id WHERE r.org_id = \(p: 1) AND \(caseless: "u.email") = \(caseless: 2)
                """, [.init(organizationID), .text(email)]) > 0 {
                throw UserError.conflict("\(email) is already a member of this organization.")
            }
            try database.run("DELETE FROM user_invitations WHERE org_id = \(p: 1) AND \(caseless: "email") = \(caseless: 2)",
                             [.init(organizationID), .text(email)])
            // The link is drawn when the email is sent (`UserInvitations.issue`): until then the hash is of a secret nobody keeps.
            let invitation = try database.insertReturningID("""
                INSERT INTO user_invitations (org_id, email, role, token_hash, invited_by, created_at, expires_at)
                VALUES (\(p: 1), \(p: 2), \(p: 3), \(p: 4), \(p: 5), \(p: 6), \(p: 7))
                """, [.init(organizationID), .text(email), .text(role.rawValue), .text(Secret.hash(Secret.generate())), .init(access.userID),
                      .text(DateText.store(now)), .text(DateText.store(now.addingTimeInterval(UserInvitations.lifetime)))])
            let organization = try database.query("SELECT name FROM organizations WHERE id = \(p: 1)", [.init(organizationID)]) { $0.text(0) }.first ?? ""
            try Outbox(database: database).enqueue(.userInvitation, to: email, organizationID: organizationID, payload: [
                "organization": organization, "role": role.rawValue, "inviter": access.name, EmailLinks.invitationKey: String(invitation),
            ])
            try AuditLog(database: database).record(by: access, organizationID: organizationID, action: "User invited", subject: email,
                                                   details: ["role": role.rawValue])
            try DomainEvents(database: database).record(DomainEvent(.userInvited, organization: organizationID,
                                                                    payload: ["invitation": .int(invitation), "role": .string(role.rawValue)]))
            return "An invitation was sent to \(email)."
        }
    }
}

/// An Admin withdraws an invitation of their organization.
public struct RevokeInvitation: Command {
    public let invitationID: Int
    public let organizationID: Int

    public init(_ invitationID: Int, in organizationID: Int) {
        self.invitationID = invitationID
        self.organizationID = organizationID
    }

    public func run(by access: Access, in database: Database) throws -> String {
        try access.require(.manageUsers, in: organizationID)
        return try database.transaction(locking: [.organization(organizationID)]) {
            guard let email = try database.query("SELECT email FROM user_invitations WHERE id = \(p: 1) AND org_id = \(p: 2)",
                                                 [.init(invitationID), .init(organizationID)], row: { $0.text(0) }).first else {
                throw UserError.notFound("There is no such invitation in this organization.")
            }
            try database.run("DELETE FROM user_invitations WHERE id = \(p: 1)", [.init(invitationID)])
            try AuditLog(database: database).record(by: access, organizationID: organizationID, action: "Invitation revoked", subject: email)
            try DomainEvents(database: database).record(DomainEvent(.invitationRevoked, organization: organizationID,
                                                                    payload: ["invitation": .int(invitationID)]))
            return "The invitation to \(email) was revoked."
        }
    }
}

/// An Admin gives a member another role (`Accounts.changeRole` keeps the last Admin). Under the
/// organization's lock, as every change of who manages it: the last-Admin rule counts its Admins.
public struct ChangeRole: Command {
    public let userID: Int
    public let organizationID: Int
    public let role: Role

    public init(of userID: Int, in organizationID: Int, to role: Role) {
        self.userID = userID
        self.organizationID = organizationID
        self.role = role
    }

    public func run(by access: Access, in database: Database) throws -> String {
        try access.require(.manageUsers, in: organizationID)
        return try database.transaction(locking: [.organization(organizationID)]) {
            let (email, before) = try member(userID, of: organizationID, in: database)
            try Accounts(database: database).changeRole(userID: userID, organizationID: organizationID, to: role)
            try AuditLog(database: database).record(actorID: access.userID, actor: access.email, organizationID: organizationID, action: "Role changed",
                                                   subject: email, details: ["before": before.rawValue, "after": role.rawValue])
            try DomainEvents(database: database).record(DomainEvent(.roleChanged, organization: organizationID, user: userID,
                                                                    payload: ["before": .string(before.rawValue), "after": .string(role.rawValue)]))
            return "\(email) is now \(role.rawValue)."
        }
    }
}

/// An Admin removes a member from the organization (not its last Admin).
public struct RemoveMember: Command {
    public let userID: Int
    public let organizationID: Int

    public init(_ userID: Int, from organizationID: Int) {
        self.userID = userID
        self.organizationID = organizationID
    }

    public func run(by access: Access, in database: Database) throws -> String {
        try access.require(.manageUsers, in: organizationID)
        return try database.transaction(locking: [.organization(organizationID)]) {
            let (email, before) = try member(userID, of: organizationID, in: database)
            try Accounts(database: database).removeRole(userID: userID, organizationID: organizationID)
            try AuditLog(database: database).record(actorID: access.userID, actor: access.email, organizationID: organizationID, action: "User removed",
                                                   subject: email, details: ["role": before.rawValue])
            try DomainEvents(database: database).record(DomainEvent(.userRemoved, organization: organizationID, user: userID,
                                                                    payload: ["role": .string(before.rawValue)]))
            return "\(email) was removed from this organization."
        }
    }
}

/// A member's email and role, read under the organization's lock; another organization's user
/// answers like a missing one.
private func member(_ userID: Int, of organization: Int, in database: Database) throws -> (email: String, role: Role) {
    guard let member = try Accounts(database: database).members(of: organization).first(where: { $0.userID == userID }) else {
        throw UserError.notFound("That user is not a member of this organization.")
    }
    return (member.email, member.role)
}
