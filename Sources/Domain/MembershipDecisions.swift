import Storage

/// A driver's request or membership as the host's requests page lists it.
public struct MembershipRow: Sendable {
    public let id: Int
    public let connectionID: Int
    public let connectionName: String
    public let organizationID: Int
    /// The organization's name: connection names repeat across organizations.
    public let organizationName: String
    /// The name the driver typed with this request.
    public let driverName: String
    public let email: String
    /// The connection approves by email domain and this email's domain is on its allow-list. Not
    /// an approval: nobody has shown they read the address, so the host decides.
    public let emailDomainMatches: Bool
    /// A confirmation link was emailed to the address and has not been opened yet ("email not confirmed").
    public let awaitingEmailConfirmation: Bool
    public let state: MembershipState
    public let requestedAt: String
    public let answers: [(prompt: String, answer: String)]
    /// Memberships that end: when this one ends (null: never; see `MembershipExpiry`).
    public let expiresAt: String?
}

public enum Decision: Sendable, Equatable {
    case approve
    case deny(reason: String)
    case remove

    /// The state a decision starts from, and the state it leaves.
    var transition: (from: MembershipState, to: MembershipState) {
        switch self {
        case .approve: return (.pending, .connected)
        case .deny: return (.pending, .denied)
        case .remove: return (.connected, .removed)
        }
    }

    /// What the driver is told by email.
    var email: EmailKind {
        switch self {
        case .approve: return .requestApproved
        case .deny: return .requestDenied
        case .remove: return .driverRemoved
        }
    }

    var event: DomainEvent.Kind {
        switch self {
        case .approve: return .requestApproved
        case .deny: return .requestDenied
        case .remove: return .driverRemoved
        }
    }

    var auditAction: String {
        switch self {
        case .approve: return "Approved driver"
        case .deny: return "Denied driver"
        case .remove: return "Removed driver"
        }
    }
}

/// The host's side: requests waiting (a decision on them is the command `Decide`). Connected Drivers and Pending
/// Requests follow by the schema's triggers.
public struct MembershipDecisions {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    public static let listLimit = 200
    /// The most memberships one decision takes, and the longest denial reason (as the schema's CHECK counts it).
    public static let mostAtOnce = 500
    public static let longestReason = 500

    /// How many memberships in `state` the given connections (or organizations) hold.
    public func count(state: MembershipState, organizations: [Int], connectionID: Int?) throws -> Int {
        try database.scalarInt("""
            SELECT count(*) FROM memberships m JOIN connections c ON c.id = m.connection_id
            WHERE \(Self.scope)
            """, [.text(state.rawValue), .idList(organizations), connectionID.map { .init($0) } ?? .null])
    }

    static let scope: SQLFragment = "m.state = \(p: 1) AND c.org_id IN (\(ids: 2)) AND (c.id = \(p: 3) OR \(p: 3) IS NULL)"

    /// Memberships in `state` of the given connections (or every connection of `organizations`), oldest
    /// first; `after` (a request time and id) continues a list where its last page ended.
    public func list(state: MembershipState, organizations: [Int], connectionID: Int?, limit: Int = listLimit,
                     after: (requestedAt: String, id: Int)? = nil) throws -> [MembershipRow] {
        var conditions: [SQLFragment] = ["m.state = \(bind: .text(state.rawValue))", "c.org_id IN (\(ids: organizations))"]
        if let connectionID { conditions.append("c.id = \(bind: .init(connectionID))") }
        if let after { conditions.append("(m.requested_at, m.id) > (\(bind: .text(after.requestedAt)), \(bind: .init(after.id)))") }
        return try rows(where: .joined(conditions, separator: " AND "), order: "m.requested_at, m.id", limit: limit)
    }

    /// The memberships `condition` selects (over `m`, `c`, `d` and `o`), in `order`, with their answers.
    func rows(where condition: SQLFragment, order: SQLFragment, limit: Int) throws -> [MembershipRow] {
        let rows = try database.query("""
            SELECT m.id, c.id, c.name, c.org_id, o.name, m.driver_name, d.email, m.state, m.requested_at,
                \(JoinRequests.domainMatches(connection: "c", email: "d.email")),
                EXISTS (SELECT 1 FROM email_confirmations e WHERE e.membership_id = m.id AND e.confirmed_at IS NULL), m.expires_at
            FROM memberships m JOIN connections c ON c.id = m.connection_id JOIN drivers d ON d.id = m.driver_id
                JOIN organizations o ON o.id = c.org_id
            WHERE \(condition) ORDER BY \(order) LIMIT \(bind: .init(limit))
            """) {
            (id: $0.int(0), connection: $0.int(1), name: $0.text(2), org: $0.int(3), orgName: $0.text(4), driver: $0.text(5), email: $0.text(6),
             state: try $0.decode(MembershipState.self, 7, table: "memberships", key: "id \($0.int(0))"), at: $0.text(8),
             domainMatches: $0.int(9) != 0, confirming: $0.int(10) != 0, expiresAt: $0.optionalText(11))
        }
        // Every row's answers in one query.
        var answers: [Int: [(prompt: String, answer: String)]] = [:]
        if !rows.isEmpty {
            for answer in try database.query("""
                SELECT membership_id, prompt, answer FROM membership_answers WHERE membership_id IN (\(ids: 1)) ORDER BY membership_id, position
                """, [.idList(rows.map(\.id))], row: { (id: $0.int(0), prompt: $0.text(1), answer: $0.text(2)) }) {
                answers[answer.id, default: []].append((answer.prompt, answer.answer))
            }
        }
        return rows.map { row in
            MembershipRow(id: row.id, connectionID: row.connection, connectionName: row.name, organizationID: row.org,
                          organizationName: row.orgName, driverName: row.driver, email: row.email, emailDomainMatches: row.domainMatches,
                          awaitingEmailConfirmation: row.confirming, state: row.state, requestedAt: row.at, answers: answers[row.id] ?? [],
                          expiresAt: row.expiresAt)
        }
    }
}
