import Foundation
import Storage

/// The console's one search box: connections (by name, or by search code for those who may
/// invite drivers), drivers (by the name typed with a request, or email) and organizations (by
/// name), each only in the organizations the caller may view. Names and emails are found through
/// the trigram indexes (`SearchIndex`: FTS5 on SQLite, pg_trgm on PostgreSQL), never by reading
/// every row; each group pages by id (`after`), so a page costs the same however deep it is.
public struct ConsoleSearch {
    let database: Database

    /// How a search reads (the defaults; tests make them small to reach each way on little data).
    let smallScope: Int
    let nearRows: Int

    public init(database: Database, smallScope: Int = 5_000, nearRows: Int = 1_000) {
        self.database = database
        self.smallScope = smallScope
        self.nearRows = nearRows
    }

    /// A trigram index needs three characters; shorter words search organizations only.
    public static let shortest = 3
    public static let longest = 100

    public enum Group: String, CaseIterable, Sendable {
        case connections, drivers, organizations
    }

    /// What was typed, trimmed, and its folded form as the indexes hold text.
    public struct Query: Sendable, Equatable {
        public let text: String
        let folded: String
        /// The text as a search code reads (any case, spaces ignored), when it could be one.
        let code: String?

        public var reachesIndexes: Bool { folded.unicodeScalars.count >= ConsoleSearch.shortest }
    }

    /// nil for an empty box; a 400 for text no search takes (too long, control characters).
    public static func query(_ raw: String?) throws(UserError) -> Query? {
        let text = (raw ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return nil }
        guard text.count <= longest else { throw .badRequest("Search for at most \(longest) characters.") }
        guard !StoredText.hasControlCharacter(text) else { throw .badRequest("Search for text without control characters.") }
        let code = text.replacingOccurrences(of: " ", with: "").uppercased()
        let looksLikeCode = (6...12).contains(code.count) && code.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
        return Query(text: text, folded: TextFolding.fold(text), code: looksLikeCode ? code : nil)
    }

    public struct ConnectionHit: Sendable {
        public let id: Int
        public let name: String
        public let organization: String
        public let organizationID: Int
        public let status: String
        /// Only when the caller may invite drivers in its organization.
        public let searchCode: String?
    }

    public struct DriverHit: Sendable {
        /// The membership: a driver is found as a request to one connection.
        public let id: Int
        public let name: String
        public let email: String
        public let state: MembershipState
        public let connectionID: Int
        public let connectionName: String
        public let organization: String
        public let organizationID: Int
    }

    public struct OrganizationHit: Sendable {
        public let id: Int
        public let name: String
    }

    /// Connections whose name contains the text, and the one whose search code it is (first, on the
    /// first page) for a caller who may invite drivers there; ids after `after`, at most `limit`.
    public func connections(_ query: Query, access: Access, after: Int? = nil, limit: Int) throws -> [ConnectionHit] {
        let visible = access.organizations(allowing: .viewConnections)
        let inviting = Set(access.organizations(allowing: .inviteDrivers))
        var hits: [ConnectionHit] = []
        let columns: SQLFragment = "SELECT c.id, c.name, o.name, c.status, c.search_code, c.org_id FROM connections c JOIN organizations o ON o.id = c.org_id"
        let read: (Statement) throws -> ConnectionHit = {
            ConnectionHit(id: $0.int(0), name: $0.text(1), organization: $0.text(2), organizationID: $0.int(5), status: $0.text(3),
                          searchCode: inviting.contains($0.int(5)) ? $0.text(4) : nil)
        }
        // The code's connection leads the first page and is left out of the pages by name, so it shows once.
        if let code = query.code, !inviting.isEmpty {
            hits += try database.query("\(columns) WHERE c.search_code = \(p: 1) AND c.org_id IN (\(ids: 2))",
                                       [.text(code), .idList(inviting.sorted())], row: read)
        }
        let lead = after == nil ? hits : []
        // Matches fetched by id are kept to the scope here: a list of every organization in the SQL
        // makes PostgreSQL read all of their connections to join it.
        let scope = Set(visible)
        guard query.reachesIndexes, let contains = SearchIndex.connections.containsQuery(column: "name", text: query.folded) else { return lead }
        let wanted = limit + hits.count
        let fold: SQLFragment = "\(.position(of: "\(bind: .text(query.folded))", in: "fold(c.name)")) > 0"
        let near: (Int) throws -> [ConnectionHit] = { bound in
            let rows = try database.query("""
                \(columns) WHERE c.id IN (SELECT id FROM connections WHERE id > \(p: 1) AND id <= \(p: 2)) AND \(fold)
                """, [.init(after ?? 0), .init(bound)], row: read)
            return rows.filter { scope.contains($0.organizationID) }.sorted { $0.id < $1.id }
        }
        let beyond: (Int, Int) throws -> [ConnectionHit] = { bound, left in
            try inOrder(SearchIndex.connections.rows(matching: [contains], dialect: database.dialect), after: bound, limit: left, id: \.id) { batch in
                try database.query("\(columns) WHERE c.id IN (\(ids: 1))", [.idList(batch)], row: read).filter { scope.contains($0.organizationID) }
            }
        }
        let named: [ConnectionHit]
        if try isSmall(visible) {
            let rows = try database.query("\(columns) WHERE c.org_id IN (\(ids: 1)) AND \(fold) AND \(.withoutIndex("c.id")) > \(p: 2)",
                                          [.idList(visible), .init(after ?? 0)], row: read)
            named = Array(rows.sorted { $0.id < $1.id }.prefix(wanted))
        } else {
            named = try inTwoSteps(table: "connections", after: after ?? 0, limit: wanted, id: \.id, near: near, beyond: beyond)
        }
        return Array((lead + named.filter { hit in !hits.contains { $0.id == hit.id } }).prefix(max(limit, lead.count)))
    }

    /// Requests (and memberships) whose driver's name or email contains the text.
    public func drivers(_ query: Query, access: Access, after: Int? = nil, limit: Int) throws -> [DriverHit] {
        guard query.reachesIndexes,
              let name = SearchIndex.membershipNames.containsQuery(column: "driver_name", text: query.folded),
              let email = SearchIndex.driverEmails.containsQuery(column: "email", text: query.folded) else { return [] }
        let dialect = database.dialect
        let visible = access.organizations(allowing: .viewConnections)
        if try isSmall(visible) {
            return Array(try database.query("""
                SELECT m.id, m.driver_name, d.email, m.state, c.id, c.name, o.name, c.org_id
                FROM connections c JOIN memberships m ON m.connection_id = c.id JOIN drivers d ON d.id = m.driver_id
                JOIN organizations o ON o.id = c.org_id
                WHERE c.org_id IN (\(ids: 1)) AND \(.withoutIndex("m.id")) > \(p: 2)
                  AND (\(.position(of: "\(p: 3)", in: "fold(m.driver_name)")) > 0 OR \(.position(of: "\(p: 3)", in: "fold(d.email)")) > 0)
                """, [.idList(visible), .init(after ?? 0), .text(query.folded)], row: Self.driverHit).sorted { $0.id < $1.id }.prefix(limit))
        }
        let scope = Set(visible)
        let select: SQLFragment = """
            SELECT m.id, m.driver_name, d.email, m.state, c.id, c.name, o.name, c.org_id
            FROM memberships m JOIN drivers d ON d.id = m.driver_id JOIN connections c ON c.id = m.connection_id
            JOIN organizations o ON o.id = c.org_id
            """
        return try inTwoSteps(table: "memberships", after: after ?? 0, limit: limit, id: \.id, near: { bound in
            try database.query("""
                \(select) WHERE m.id IN (SELECT id FROM memberships WHERE id > \(p: 1) AND id <= \(p: 2))
                  AND (\(.position(of: "\(p: 3)", in: "fold(m.driver_name)")) > 0 OR \(.position(of: "\(p: 3)", in: "fold(d.email)")) > 0)
                """, [.init(after ?? 0), .init(bound), .text(query.folded)], row: Self.driverHit).filter { scope.contains($0.organizationID) }.sorted { $0.id < $1.id }
        }, beyond: { bound, left in
            let matching: SQLFragment = """
                \(SearchIndex.membershipNames.rows(matching: [name], dialect: dialect))
                UNION SELECT id FROM memberships WHERE driver_id IN (\(SearchIndex.driverEmails.rows(matching: [email], dialect: dialect)))
                """
            return try inOrder(matching, after: bound, limit: left, id: \.id) { batch in
                try database.query("\(select) WHERE m.id IN (\(ids: 1))", [.idList(batch)], row: Self.driverHit).filter { scope.contains($0.organizationID) }
            }
        })
    }

    /// The index's matching ids, read whole and then fetched a batch at a time in id order (sorted
    /// here) until the page is full: the list costs what the index costs, and no statement has an
    /// ORDER BY ... LIMIT that PostgreSQL's planner would answer by walking the table's primary key.
    func inOrder<Hit>(_ matching: SQLFragment, after: Int, limit: Int, id: (Hit) -> Int, fetch: ([Int]) throws -> [Hit]) throws -> [Hit] {
        let ids = try database.query(matching) { $0.int(0) }.filter { $0 > after }.sorted()
        var hits: [Hit] = []
        var start = 0
        while hits.count < limit, start < ids.count {
            let batch = Array(ids[start..<min(start + 500, ids.count)])
            hits += try fetch(batch).sorted { id($0) < id($1) }.prefix(limit - hits.count)
            start += batch.count
        }
        return hits
    }

    /// A page in id order, in two steps: the next `nearRows` rows of the table after `after`, tested
    /// directly (a broad word fills a page there at once); only when they hold too few, the trigram
    /// index's matches beyond them. The index answers a rare word cheaply, and a broad word never
    /// reaches it: its matches, all of which the index would list and PostgreSQL would check again,
    /// are what makes a broad word dear.
    func inTwoSteps<Hit>(table: String, after: Int, limit: Int, id: (Hit) -> Int, near: (Int) throws -> [Hit],
                         beyond: (Int, Int) throws -> [Hit]) throws -> [Hit] {
        let (rows, bound) = try database.query("""
            SELECT count(*), coalesce(max(id), 0) FROM (SELECT id FROM \(raw: table) WHERE id > \(p: 1) ORDER BY id LIMIT \(p: 2)) AS near
            """, [.init(after), .init(nearRows)]) { ($0.int(0), $0.int(1)) }[0]
        guard rows > 0 else { return [] }
        let first = Array(try near(bound).prefix(limit))
        // A short window is the end of the table: nothing lies beyond it.
        guard first.count < limit, rows == nearRows else { return first }
        return first + (try beyond(bound, limit - first.count))
    }

    static func driverHit(_ row: Statement) throws -> DriverHit {
        DriverHit(id: row.int(0), name: row.text(1), email: row.text(2),
                  state: try row.decode(MembershipState.self, 3, table: "memberships", key: "id \(row.int(0))"),
                  connectionID: row.int(4), connectionName: row.text(5), organization: row.text(6), organizationID: row.int(7))
    }

    // Organizations holding at most `smallScope` connections are searched by reading their own rows
    // (through the organization index) rather than the trigram index: a broad word matches tens of
    // thousands of rows across every organization, of which a small scope keeps a few. Their matches
    // are sorted here: an ORDER BY id LIMIT tempts a planner to walk the whole table by its key.

    func isSmall(_ organizations: [Int]) throws -> Bool {
        try database.scalarInt("""
            SELECT count(*) FROM (SELECT 1 FROM connections WHERE org_id IN (\(ids: 1)) LIMIT \(p: 2)) AS scoped
            """, [.idList(organizations), .init(smallScope + 1)]) <= smallScope
    }

    /// The caller's organizations whose name contains the text: a user belongs to few, read directly.
    public func organizations(_ query: Query, access: Access, after: Int? = nil, limit: Int) throws -> [OrganizationHit] {
        try database.query("""
            SELECT id, name FROM organizations WHERE id IN (\(ids: 1)) AND \(.position(of: "\(p: 2)", in: "fold(name)")) > 0 AND id > \(p: 3)
            ORDER BY id LIMIT \(p: 4)
            """, [.idList(access.organizations(allowing: .viewConnections)), .text(query.folded), .init(after ?? 0), .init(limit)]) {
            OrganizationHit(id: $0.int(0), name: $0.text(1))
        }
    }
}
