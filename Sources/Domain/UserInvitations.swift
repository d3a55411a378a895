import Foundation
import Storage

/// An Admin adds someone to an organization by inviting them: nothing changes until the person
/// accepts, by the link emailed to the address (where an address without an account creates it),
/// or at their next sign-in, where pending invitations are shown to accept or decline. The Admin's
/// answer is the same whether the address has an account or not, so the Users page reveals
/// nothing of other organizations' users. Every step is audited. (Inviting and revoking are the
/// commands `InviteUser` and `RevokeInvitation`; this type holds the invitation's link and answer.)
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
