import Storage

/// The host's queue of pending requests: which ones (the caller's organizations, or one of them, or
/// one connection; a driver's name or email), oldest or newest first, a page at a time (keyset, so
/// every request is reachable however many wait), how many match, and how many wait in all.
public struct RequestQueue {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// Which pending requests: those of `organizations` (the ones the caller may see, or the one
    /// chosen), of one connection if given, whose driver's name or email contains `search` (folded as
    /// the table's filters fold: any case, beyond ASCII).
    public struct Filter: Sendable, Equatable {
        public var organizations: [Int]
        public var connectionID: Int?
        public var search: String

        public init(organizations: [Int], connectionID: Int? = nil, search: String = "") {
            self.organizations = organizations
            self.connectionID = connectionID
            self.search = search.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        var condition: SQLFragment {
            var conditions: [SQLFragment] = ["m.state = 'Pending'", "c.org_id IN (\(ids: organizations))"]
            if let connectionID { conditions.append("c.id = \(bind: .init(connectionID))") }
            if !search.isEmpty {
                let folded: SQLFragment = "\(bind: .text(TextFolding.fold(search)))"
                conditions.append("\(.position(of: folded, in: "fold(m.driver_name)")) > 0 OR \(.position(of: folded, in: "fold(d.email)")) > 0")
            }
            return .joined(conditions, separator: " AND ")
        }
    }

    public enum Order: String, Sendable, CaseIterable {
        case oldest, newest
    }

    /// A place in the queue: just after (or before) the request with this time and id.
    public struct Place: Sendable, Equatable {
        public let requestedAt: String
        public let id: Int

        public init(requestedAt: String, id: Int) {
            self.requestedAt = requestedAt
            self.id = id
        }

        public init(_ row: MembershipRow) {
            self.init(requestedAt: row.requestedAt, id: row.id)
        }
    }

    /// One page of the queue and whether more lie beyond either end of it.
    public struct Page: Sendable {
        public let rows: [MembershipRow]
        public let hasEarlier: Bool
        public let hasLater: Bool
    }

    /// The longest search, and the sizes a page may have.
    public static let longestSearch = 200
    public static let pageSizes = [25, 50, 100, 200]
    public static let defaultPageSize = 50

    /// `size` requests in `order`, after `after` or before `before` (the page before it), or from the
    /// start (`last`: the end).
    public func page(_ filter: Filter, order: Order, size: Int, after: Place? = nil, before: Place? = nil, last: Bool = false) throws -> Page {
        // Walking back is walking the other order from `before` (or the end), then turning the rows round.
        let backwards = before != nil || last
        let descending = (order == .newest) != backwards
        var condition = filter.condition
        if let place = before ?? after {
            condition = .joined([condition, "(m.requested_at, m.id) \(raw: descending ? "<" : ">") (\(bind: .text(place.requestedAt)), \(bind: .init(place.id)))"],
                                separator: " AND ")
        }
        let direction = descending ? " DESC" : ""
        var rows = try MembershipDecisions(database: database)
            .rows(where: condition, order: "m.requested_at\(raw: direction), m.id\(raw: direction)", limit: size + 1)
        let more = rows.count > size
        rows = Array(rows.prefix(size))
        guard backwards else { return Page(rows: rows, hasEarlier: after != nil, hasLater: more) }
        rows.reverse()
        // The page the walk back started from may be gone (all of it decided): look.
        let later = try rows.last.map { try !page(filter, order: order, size: 1, after: Place($0)).rows.isEmpty } ?? false
        return Page(rows: rows, hasEarlier: more, hasLater: later)
    }

    /// How many requests match.
    public func count(_ filter: Filter) throws -> Int {
        try database.scalarInt("SELECT count(*) FROM \(Self.tables(filter)) WHERE \(filter.condition)")
    }

    /// The ids of the requests that match, at most `limit`.
    func ids(_ filter: Filter, limit: Int) throws -> [Int] {
        try database.query("SELECT m.id FROM \(Self.tables(filter)) WHERE \(filter.condition) ORDER BY m.id LIMIT \(bind: .init(limit))") { $0.int(0) }
    }

    /// The tables a filter reads: drivers only for a search.
    static func tables(_ filter: Filter) -> SQLFragment {
        "memberships m JOIN connections c ON c.id = m.connection_id\(raw: filter.search.isEmpty ? "" : " JOIN drivers d ON d.id = m.driver_id")"
    }

    /// How many requests wait in `organizations`, for the console's navigation: the connections'
    /// own counters, read through the index of those with any waiting.
    public func waiting(organizations: [Int]) throws -> Int {
        guard !organizations.isEmpty else { return 0 }
        // Every organization (an Admin's): the index alone answers, where testing each of its rows
        // against the list cost 300 ms on every page at a million connections (still 20 ms on
        // PostgreSQL, so remembered until the database changes).
        if try organizations.count == database.rememberedScalarInt("SELECT count(*) FROM organizations") {
            return try database.rememberedScalarInt("SELECT coalesce(sum(pending_requests), 0) FROM connections WHERE pending_requests > 0")
        }
        return try database.scalarInt("""
            SELECT coalesce(sum(pending_requests), 0) FROM connections WHERE pending_requests > 0 AND org_id IN (\(ids: 1))
            """, [.idList(organizations)])
    }

    /// The connections with requests waiting in `organizations`, by organization and name, for the
    /// queue's connection filter: at most `limit`.
    public func connections(organizations: [Int], limit: Int = 500) throws -> [(id: Int, name: String, organization: String, waiting: Int)] {
        try database.query("""
            SELECT c.id, c.name, o.name, c.pending_requests FROM connections c JOIN organizations o ON o.id = c.org_id
            WHERE c.pending_requests > 0 AND c.org_id IN (\(ids: 1)) ORDER BY o.name, c.name, c.id LIMIT \(p: 2)
            """, [.idList(organizations), .init(limit)]) { (id: $0.int(0), name: $0.text(1), organization: $0.text(2), waiting: $0.int(3)) }
    }
}
