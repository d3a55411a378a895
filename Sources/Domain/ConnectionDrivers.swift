import Storage

/// One connection's drivers in one state, for its page: searchable by name or email, paged by
/// request id (`after`). A connection's memberships are found by its index, so a search reads
/// only that connection's rows.
public struct ConnectionDrivers {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    public static let pageSize = 50

    /// How many drivers the connection holds in each state.
    public func counts(connectionID: Int) throws -> [MembershipState: Int] {
        var counts = Dictionary(uniqueKeysWithValues: MembershipState.allCases.map { ($0, 0) })
        for (state, count) in try database.query("SELECT state, count(*) FROM memberships WHERE connection_id = \(p: 1) GROUP BY state",
                                                 [.init(connectionID)], row: { (try $0.decode(MembershipState.self, 0, table: "memberships",
                                                                                                  key: "connection \(connectionID)"), $0.int(1)) }) {
            counts[state] = count
        }
        return counts
    }

    /// The drivers whose name (as typed with the request) or email contains `search`, folded.
    public func page(connectionID: Int, state: MembershipState, search: String?, after: Int?, limit: Int = pageSize) throws -> [MembershipRow] {
        let folded = search.map(TextFolding.fold) ?? ""
        let rows = try database.query("""
            SELECT m.id, c.id, c.name, c.org_id, m.driver_name, d.email, m.state, m.requested_at,
                \(JoinRequests.domainMatches(connection: "c", email: "d.email")),
                EXISTS (SELECT 1 FROM email_confirmations e WHERE e.membership_id = m.id AND e.confirmed_at IS NULL)
            FROM memberships m JOIN connections c ON c.id = m.connection_id JOIN drivers d ON d.id = m.driver_id
            WHERE m.connection_id = \(p: 1) AND m.state = \(p: 2) AND m.id > \(p: 3)
              AND (\(p: 4) = '' OR \(.position(of: "\(p: 4)", in: "fold(m.driver_name)")) > 0 OR \(.position(of: "\(p: 4)", in: "fold(d.email)")) > 0)
            ORDER BY m.id LIMIT \(p: 5)
            """, [.init(connectionID), .text(state.rawValue), .init(after ?? 0), .text(folded), .init(limit)]) { row in
            MembershipRow(id: row.int(0), connectionID: row.int(1), connectionName: row.text(2), organizationID: row.int(3),
                          driverName: row.text(4), email: row.text(5), emailDomainMatches: row.int(8) != 0,
                          awaitingEmailConfirmation: row.int(9) != 0,
                          state: try row.decode(MembershipState.self, 6, table: "memberships", key: "id \(row.int(0))"),
                          requestedAt: row.text(7), answers: [])
        }
        return try rows.map { row in
            let answers = try database.query("SELECT prompt, answer FROM membership_answers WHERE membership_id = \(p: 1) ORDER BY position",
                                             [.init(row.id)]) { (prompt: $0.text(0), answer: $0.text(1)) }
            return MembershipRow(id: row.id, connectionID: row.connectionID, connectionName: row.connectionName, organizationID: row.organizationID,
                                 driverName: row.driverName, email: row.email, emailDomainMatches: row.emailDomainMatches,
                                 awaitingEmailConfirmation: row.awaitingEmailConfirmation, state: row.state,
                                 requestedAt: row.requestedAt, answers: answers)
        }
    }
}
