import Foundation
import Storage

/// An Admin adds someone to an organization by inviting them: nothing changes until the person
/// accepts, by the link emailed to the address (where an address without an account creates it),
/// or at their next sign-in, where pending invitations are shown to accept or decline. The Admin's
/// answer is the same whether the address has an account or not, so the Users page reveals
/// nothing of other organizations' users. Every step is audited.
public struct UserInvitations {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// How long an invitation can be accepted.
    public static let lifetime: TimeInterval = 7 * 24 * 60 * 60
    /// Invitations an organization may send in 24 hours: each is an email to any address.
    public static let perOrganizationPerDay = 200

    public struct Invitation: Sendable {
        public let id: Int
        public let organizationID: Int
        public let organization: String
        public let email: String
        public let role: Role
        public let expiresAt: String
    }

    /// Invites `email` to the organization as `role` (a new invitation replaces an earlier one to
    /// the same address); returns what the Admin is told, the same for a known and an unknown address.
    func invite(email: String, role: Role, to organizationID: Int, by access: Access, dailyLimit: Int = perOrganizationPerDay,
                       now: Date = Date()) throws -> String {
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
            // The link is drawn when the email is sent (`issue`): until then the hash is of a secret nobody keeps.
            let invitation = try database.insertReturningID("""
                INSERT INTO user_invitations (org_id, email, role, token_hash, invited_by, created_at, expires_at)
                VALUES (\(p: 1), \(p: 2), \(p: 3), \(p: 4), \(p: 5), \(p: 6), \(p: 7))
                """, [.init(organizationID), .text(email), .text(role.rawValue), .text(Secret.hash(Secret.generate())), .init(access.userID),
                      .text(DateText.store(now)), .text(DateText.store(now.addingTimeInterval(Self.lifetime)))])
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

    /// Inside the sender's transaction: the invitation's link, drawn for the email that carries it
    /// (the link of an earlier copy stops working: an invitation has one); nil when the invitation
    /// was answered, revoked or has expired.
    func issue(invitation id: Int, now: Date) throws -> String? {
        let token = Secret.generate()
        try database.run("UPDATE user_invitations SET token_hash = \(p: 2) WHERE id = \(p: 1) AND expires_at > \(p: 3)",
                         [.init(id), .text(Secret.hash(token)), .text(DateText.store(now))])
        return try database.scalarInt("SELECT count(*) FROM user_invitations WHERE token_hash = \(p: 1)", [.text(Secret.hash(token))]) > 0 ? token : nil
    }

    /// The organization's invitations not yet accepted, declined or revoked, newest first.
    public func pending(in organizationID: Int, now: Date = Date()) throws -> [Invitation] {
        try invitations(where: "i.org_id = \(p: 1)", [.init(organizationID)], now: now)
    }

    /// The invitations to a signed-in user's address, to accept or decline.
    public func pending(for access: Access, now: Date = Date()) throws -> [Invitation] {
        try invitations(where: "\(caseless: "i.email") = \(caseless: 1)", [.text(access.email)], now: now)
    }

    private func invitations(where condition: SQLFragment, _ parameters: [SQLValue], now: Date) throws -> [Invitation] {
        try database.query("""
            SELECT i.id, i.org_id, o.name, i.email, i.role, i.expires_at FROM user_invitations i JOIN organizations o ON o.id = i.org_id
            WHERE \(condition) AND i.expires_at > \(p: parameters.count + 1) ORDER BY i.id DESC
            """, parameters + [.text(DateText.store(now))]) {
            Invitation(id: $0.int(0), organizationID: $0.int(1), organization: $0.text(2), email: $0.text(3),
                       role: try $0.decode(Role.self, 4, table: "user_invitations", key: "id \($0.int(0))"), expiresAt: $0.text(5))
        }
    }

    /// An Admin withdraws an invitation of their organization.
    func revoke(_ id: Int, in organizationID: Int, by access: Access) throws -> String {
        try access.require(.manageUsers, in: organizationID)
        return try database.transaction(locking: [.organization(organizationID)]) {
            guard let email = try database.query("SELECT email FROM user_invitations WHERE id = \(p: 1) AND org_id = \(p: 2)",
                                                 [.init(id), .init(organizationID)], row: { $0.text(0) }).first else {
                throw UserError.notFound("There is no such invitation in this organization.")
            }
            try database.run("DELETE FROM user_invitations WHERE id = \(p: 1)", [.init(id)])
            try AuditLog(database: database).record(by: access, organizationID: organizationID, action: "Invitation revoked", subject: email)
            try DomainEvents(database: database).record(DomainEvent(.invitationRevoked, organization: organizationID, payload: ["invitation": .int(id)]))
            return "The invitation to \(email) was revoked."
        }
    }

    /// A signed-in user accepts (or declines) an invitation to their own address.
    public func answer(_ id: Int, accept: Bool, by access: Access, now: Date = Date()) throws -> String {
        try database.transaction(locking: [.user(access.userID)]) {
            guard let invitation = try pending(for: access, now: now).first(where: { $0.id == id }) else {
                throw UserError.notFound("There is no such invitation for you: it may have been revoked or have expired.")
            }
            return try settle(invitation, accept: accept, userID: access.userID, actor: access.email)
        }
    }

    /// What an emailed link shows before it is used.
    public struct Link: Sendable {
        public let invitation: Invitation
        /// Whether the address already has an account (the person, not the Admin, learns this).
        public let hasAccount: Bool
    }

    public func link(token: String, now: Date = Date()) throws -> Link {
        let invitation = try invitation(token: token, now: now)
        return Link(invitation: invitation, hasAccount: try Accounts(database: database).userID(email: invitation.email) != nil)
    }

    /// Uses an emailed link: accepts (creating the account, with the name and password given, for an
    /// address without one) or declines. The link is the proof that the person reads the address.
    public func answer(token: String, accept: Bool, name: String, password: String, now: Date = Date()) throws -> String {
        try database.transaction(locking: [.named("user invitation " + Secret.hash(token))]) {
            let invitation = try invitation(token: token, now: now)
            let accounts = Accounts(database: database)
            var user = try accounts.userID(email: invitation.email)
            if accept && user == nil { user = try accounts.createUser(email: invitation.email, name: name, password: password) }
            return try settle(invitation, accept: accept, userID: user, actor: invitation.email)
        }
    }

    private func invitation(token: String, now: Date) throws -> Invitation {
        guard (43...100).contains(token.utf8.count),
              let invitation = try invitations(where: "i.token_hash = \(p: 1)", [.text(Secret.hash(token))], now: now).first else {
            throw UserError.notFound("This invitation is not valid any more: it may have been revoked, answered or have expired. "
                                     + "Ask the organization's Admin for a new one.")
        }
        return invitation
    }

    /// Inside a transaction: the role is given (on acceptance), the invitation goes, and the audit log says so.
    private func settle(_ invitation: Invitation, accept: Bool, userID: Int?, actor: String) throws -> String {
        if accept, let userID {
            let accounts = Accounts(database: database)
            if try accounts.role(userID: userID, organizationID: invitation.organizationID) == nil {
                try accounts.setRole(userID: userID, organizationID: invitation.organizationID, role: invitation.role)
            }
        }
        try database.run("DELETE FROM user_invitations WHERE id = \(p: 1)", [.init(invitation.id)])
        try AuditLog(database: database).record(actorID: userID, actor: actor, organizationID: invitation.organizationID,
                                               action: accept ? "Invitation accepted" : "Invitation declined", subject: invitation.email,
                                               details: ["role": invitation.role.rawValue])
        return accept ? "You joined \(invitation.organization) as \(invitation.role.rawValue)."
            : "You declined the invitation to \(invitation.organization)."
    }
}
