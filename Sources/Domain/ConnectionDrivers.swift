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
        var conditions: [SQLFragment] = ["m.connection_id = \(bind: .init(connectionID))", "m.state = \(bind: .text(state.rawValue))",
                                         "m.id > \(bind: .init(after ?? 0))"]
        if !folded.isEmpty {
            conditions.append("(\(.position(of: "\(bind: .text(folded))", in: "fold(m.driver_name)")) > 0 OR \(.position(of: "\(bind: .text(folded))", in: "fold(d.email)")) > 0)")
        }
        return try MembershipDecisions(database: database).rows(where: .joined(conditions, separator: " AND "), order: "m.id", limit: limit)
    }
}
