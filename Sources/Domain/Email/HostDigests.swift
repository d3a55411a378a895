import Foundation
import Storage

/// Officers and Admins hear of requests waiting on their connections by a digest, at most one per
/// person an hour: a request that starts waiting queues one for each of them who has none queued,
/// due an hour after their previous one. What it lists is read when it is sent, so it is current.
public struct HostDigests {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// The shortest time between two digests to one person.
    public static let interval: TimeInterval = 60 * 60

    /// The roles that decide on requests (Access's rules), for `IN`.
    static let decidingRoles = SQLFragment.list(Role.allCases.filter { $0.allows(.decideMemberships) }.map { .text($0.rawValue) })

    /// Inside the transaction of a request that starts waiting in `organizationID`.
    func schedule(organizationID: Int, now: Date = Date()) throws {
        let hosts = try database.query("""
            SELECT u.id, u.email, \(Self.digestQueued(user: "u.id")) FROM user_roles r JOIN users u ON u.id = r.user_id
            WHERE r.org_id = \(p: 1) AND r.role IN \(Self.decidingRoles) ORDER BY u.id
            """, [.init(organizationID)]) { (id: $0.int(0), email: $0.text(1), queued: $0.int(2) != 0) }
        for host in hosts {
            // Most requests find a digest already queued and write nothing; one that would queue
            // it counts again under the host's lock, so two requests at once queue one digest.
            guard !host.queued else { continue }
            try database.lock([.user(host.id)])
            let setting = try self.setting(userID: host.id)
            guard setting.enabled, try !digestQueued(host.id) else { continue }
            let due = max(now, setting.lastDue.map { $0.addingTimeInterval(Self.interval) } ?? now)
            try Outbox(database: database).enqueue(.digest, to: host.email, organizationID: nil, userID: host.id, payload: [:], due: due)
            try database.run("UPDATE digest_settings SET last_due_at = \(p: 2) WHERE user_id = \(p: 1)", [.init(host.id), .text(DateText.store(due))])
        }
    }

    private func digestQueued(_ userID: Int) throws -> Bool {
        try database.scalarInt("SELECT \(Self.digestQueued(user: "\(p: 1)"))", [.init(userID)]) != 0
    }

    /// SQL true when user `user` (an SQL expression) has a digest queued or being sent.
    static func digestQueued(user: SQLFragment) -> SQLFragment {
        "EXISTS (SELECT 1 FROM outbox WHERE user_id = \(user) AND kind = 'digest' AND state IN ('queued', 'sending'))"
    }

    public struct Setting: Sendable {
        public let enabled: Bool
        let lastDue: Date?
    }

    /// A user's digest setting (on until they turn it off). Inside a write transaction.
    func setting(userID: Int) throws -> Setting {
        try database.run("INSERT INTO digest_settings (user_id) VALUES (\(p: 1)) ON CONFLICT (user_id) DO NOTHING", [.init(userID)])
        return try database.query("SELECT enabled, last_due_at FROM digest_settings WHERE user_id = \(p: 1)", [.init(userID)]) {
            Setting(enabled: $0.int(0) == 1, lastDue: $0.optionalText(1).flatMap(DateText.parse))
        }[0]
    }

    /// Whether the user gets digests (on until turned off).
    public func isEnabled(userID: Int) throws -> Bool {
        try database.query("SELECT enabled FROM digest_settings WHERE user_id = \(p: 1)", [.init(userID)]) { $0.int(0) == 1 }.first ?? true
    }

    /// Turns a user's digest on or off, from their account page.
    public func set(enabled: Bool, userID: Int) throws {
        try database.transaction(locking: [.user(userID)]) {
            _ = try setting(userID: userID)
            try database.run("UPDATE digest_settings SET enabled = \(p: 2) WHERE user_id = \(p: 1)", [.init(userID), .init(enabled ? 1 : 0)])
        }
    }

    /// The user of an unsubscribe link, if the token is one.
    /// The user of an unsubscribe link, if the token is one; `view`: the view whose report it stops (nil: the digest).
    public func user(unsubscribeToken token: String) throws -> (id: Int, email: String, view: (id: Int, name: String)?)? {
        guard (43...100).contains(token.utf8.count) else { return nil }
        let hash = SQLValue.text(Secret.hash(token))
        if let digest = try database.query("""
            SELECT u.id, u.email FROM unsubscribe_links l JOIN users u ON u.id = l.user_id WHERE l.token_hash = \(p: 1)
            """, [hash], row: { (id: $0.int(0), email: $0.text(1), view: Optional<(id: Int, name: String)>.none) }).first { return digest }
        return try database.query("""
            SELECT u.id, u.email, v.id, v.name FROM view_report_links l JOIN users u ON u.id = l.user_id JOIN saved_views v ON v.id = l.view_id
            WHERE l.token_hash = \(p: 1)
            """, [hash]) { (id: $0.int(0), email: $0.text(1), view: (id: $0.int(2), name: $0.text(3))) }.first
    }

    /// An unsubscribe link's action, without signing in: the digest goes off, or the user leaves the view's report.
    public func unsubscribe(token: String) throws {
        guard let user = try user(unsubscribeToken: token) else { throw UserError.notFound("This unsubscribe link is not valid.") }
        if let view = user.view { return try ViewReports(database: database).unsubscribe(userID: user.id, viewID: view.id) }
        try set(enabled: false, userID: user.id)
    }

    /// What a digest says when it is sent.
    public struct Content: Sendable {
        public struct Line: Sendable {
            public let organization: String
            public let connectionID: Int
            public let connection: String
            public let waiting: Int
        }
        public let lines: [Line]
        /// Memberships that end: per connection, how many memberships end in the coming week.
        public var ending: [Line] = []
        /// A new unsubscribe link's secret, drawn for this digest.
        public let unsubscribeToken: String
        public var total: Int { lines.reduce(0) { $0 + $1.waiting } }
    }

    /// Memberships that end: the connections where the user decides whose memberships end within a
    /// week of `now`, with how many (`waiting`), soonest first; read by the connection's partial index.
    func endingThisWeek(userID: Int, now: Date) throws -> [Content.Line] {
        try database.query("""
            SELECT o.name, c.id, c.name, count(*) FROM memberships m JOIN connections c ON c.id = m.connection_id JOIN organizations o ON o.id = c.org_id
            WHERE m.state = 'Connected' AND m.expires_at IS NOT NULL AND m.expires_at > \(p: 2) AND m.expires_at <= \(p: 3)
              AND c.org_id IN (SELECT org_id FROM user_roles WHERE user_id = \(p: 1) AND role IN \(Self.decidingRoles))
            GROUP BY o.name, c.id, c.name ORDER BY min(m.expires_at), c.id LIMIT 50
            """, [.init(userID), .text(DateText.store(now)), .text(DateText.store(now.addingTimeInterval(7 * 86_400)))]) {
            Content.Line(organization: $0.text(0), connectionID: $0.int(1), connection: $0.text(2), waiting: $0.int(3))
        }
    }

    /// The requests waiting on the connections where the user decides, when the digest is sent,
    /// with an unsubscribe link of its own; nil when the user turned digests off or nothing waits any more.
    public func content(userID: Int, now: Date = Date()) throws -> Content? {
        guard try isEnabled(userID: userID) else { return nil }
        let lines = try database.query("""
            SELECT o.name, c.id, c.name, c.pending_requests FROM connections c JOIN organizations o ON o.id = c.org_id
            WHERE c.pending_requests > 0
              AND c.org_id IN (SELECT org_id FROM user_roles WHERE user_id = \(p: 1) AND role IN \(Self.decidingRoles))
            ORDER BY \(caseless: "o.name"), c.pending_requests DESC, \(caseless: "c.name"), c.id LIMIT 50
            """, [.init(userID)]) { Content.Line(organization: $0.text(0), connectionID: $0.int(1), connection: $0.text(2), waiting: $0.int(3)) }
        guard !lines.isEmpty else { return nil }
        let ending = try endingThisWeek(userID: userID, now: now)
        let token = Secret.generate()
        try database.transaction(locking: [.user(userID)]) {
            try database.run("INSERT INTO unsubscribe_links (token_hash, user_id) VALUES (\(p: 1), \(p: 2))", [.text(Secret.hash(token)), .init(userID)])
        }
        var content = Content(lines: lines, unsubscribeToken: token)
        content.ending = ending
        return content
    }
}
