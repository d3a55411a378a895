import Foundation
import Storage

/// Proof that a driver reads the address they gave: a request whose email's domain is on the
/// connection's allow-list waits ("email not confirmed") until the link emailed to that address
/// is opened, once, within `lifetime`; then the driver is connected.
public struct EmailConfirmations {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// How long a confirmation link works.
    public static let lifetime: TimeInterval = 24 * 60 * 60

    /// Inside the request's transaction: the request waits for its address to be confirmed (earlier
    /// links stop working). The row holds the hash of a secret nobody keeps: the links that work
    /// are drawn when the email is sent (`issue`).
    func create(membership id: Int, now: Date = Date()) throws {
        try database.run("DELETE FROM email_confirmations WHERE membership_id = \(p: 1)", [.init(id)])
        try insert(Secret.generate(), membership: id, now: now)
    }

    /// Inside the sender's transaction: a new link for a request still waiting for its address,
    /// working for `lifetime` from now (links sent before keep working); nil when none waits.
    func issue(membership id: Int, now: Date) throws -> String? {
        guard try database.scalarInt("SELECT count(*) FROM email_confirmations WHERE membership_id = \(p: 1) AND confirmed_at IS NULL",
                                     [.init(id)]) > 0 else { return nil }
        let token = Secret.generate()
        try insert(token, membership: id, now: now)
        return token
    }

    private func insert(_ token: String, membership id: Int, now: Date) throws {
        try database.run("INSERT INTO email_confirmations (token_hash, membership_id, expires_at) VALUES (\(p: 1), \(p: 2), \(p: 3))",
                         [.text(Secret.hash(token)), .init(id), .text(DateText.store(now.addingTimeInterval(Self.lifetime)))])
    }

    /// Inside a decision's transaction: the host decided, so the request no longer waits for its link.
    func withdraw(membership id: Int) throws {
        try withdraw(memberships: [id])
    }

    func withdraw(memberships ids: [Int]) throws {
        try database.run("DELETE FROM email_confirmations WHERE membership_id IN (\(ids: 1))", [.idList(ids)])
    }

    /// A confirmation link as its page shows it before it is used.
    public struct Link: Sendable {
        public let organization: String
        public let connection: String
        public let email: String
    }

    /// The link behind a token, while it can still be used.
    public func link(token: String, now: Date = Date()) throws -> Link {
        try open(token, now: now).link
    }

    private func open(_ token: String, now: Date) throws -> (link: Link, membership: Int, organization: Int) {
        guard (43...100).contains(token.utf8.count), let found = try database.query("""
            SELECT o.name_for_drivers, c.name, d.email, m.id, e.expires_at, e.confirmed_at, c.org_id
            FROM email_confirmations e JOIN memberships m ON m.id = e.membership_id JOIN connections c ON c.id = m.connection_id
            JOIN organizations o ON o.id = c.org_id JOIN drivers d ON d.id = m.driver_id WHERE e.token_hash = \(p: 1)
            """, [.text(Secret.hash(token))], row: {
                (link: Link(organization: $0.text(0), connection: $0.text(1), email: $0.text(2)), membership: $0.int(3),
                 expires: $0.text(4), confirmed: !$0.isNull(5), organization: $0.int(6))
            }).first else {
            throw UserError.notFound("This confirmation link is not valid. Use the newest link we emailed you.")
        }
        guard !found.confirmed else {
            throw UserError.conflict("This confirmation link has already been used. The email holds the link to your request's status.")
        }
        guard found.expires > DateText.store(now) else {
            throw UserError.conflict("This confirmation link has expired. Ask to join again with the same email address: "
                                     + "we will send a new link.")
        }
        return (found.link, found.membership, found.organization)
    }

    /// Uses the link: the address is confirmed, and while the request waits and the connection
    /// still approves this domain, the driver is connected (and told so by email). Otherwise the
    /// request waits for the host. Returns a new status link's token, to show the request's page.
    public func confirm(token: String, now: Date = Date()) throws -> String {
        try database.transaction(locking: try MembershipKeys.connection(confirmationToken: token, in: database)) {
            let found = try open(token, now: now)
            // Every link of the request is used with this one.
            try database.run("UPDATE email_confirmations SET confirmed_at = \(p: 2) WHERE membership_id = \(p: 1) AND confirmed_at IS NULL",
                             [.init(found.membership), .text(DateText.store(now))])
            // A connected driver renewing (`RenewMembership`) proved their address again.
            if try MembershipRenewal.asked(membership: found.membership, in: database) {
                try MembershipRenewal(database: database).confirmed(membership: found.membership, email: found.link.email,
                                                                    organization: found.organization, now: now)
                return try StatusLinks(database: database).issue(membership: found.membership)
            }
            let approves = try database.scalarInt("""
                SELECT count(*) FROM memberships m JOIN connections c ON c.id = m.connection_id JOIN drivers d ON d.id = m.driver_id
                WHERE m.id = \(p: 1) AND m.state = 'Pending' AND c.status = 'Enabled' AND \(JoinRequests.domainMatches(connection: "c", email: "d.email"))
                """, [.init(found.membership)]) > 0
            if approves {
                try database.run("UPDATE memberships SET state = 'Connected', decided_at = \(p: 2) WHERE id = \(p: 1)",
                                 [.init(found.membership), .text(DateText.store(now))])
                try MembershipExpiry(database: database).start(membership: found.membership, at: DateText.store(now))
                try DriverEmails(database: database).enqueue(.requestApproved, membership: found.membership)
                try AuditLog(database: database).record(actorID: nil, actor: found.link.email, organizationID: found.organization,
                                                       action: "Driver confirmed email", subject: found.link.email,
                                                       details: ["connection": found.link.connection])
                // Approved by the connection's rule, once the address is proven: the same event as a host's approval.
                let connection = try database.scalarInt("SELECT connection_id FROM memberships WHERE id = \(p: 1)", [.init(found.membership)])
                try DomainEvents(database: database).record(DomainEvent(.requestApproved, organization: found.organization, connection: connection,
                                                                        membership: found.membership,
                                                                        payload: ["state": "Connected", "by": "email confirmation"]))
            } else if try database.scalarInt("SELECT count(*) FROM memberships WHERE id = \(p: 1) AND state = 'Pending'", [.init(found.membership)]) > 0 {
                try HostDigests(database: database).schedule(organizationID: found.organization, now: now)
            }
            return try StatusLinks(database: database).issue(membership: found.membership)
        }
    }
}
