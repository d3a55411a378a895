import Foundation
import Storage

/// The console's one search box: connections (by name, or by search code for those who may
/// invite drivers), drivers (by the name typed with a request, or email) and organizations (by
/// name), each only in the organizations the caller may view. Names and emails are found through
/// the trigram indexes (`SearchIndex`: FTS5 on SQLite, pg_trgm on PostgreSQL), never by reading
/// every row; each group pages by id (`after`), so a page costs the same however deep it is.
public struct ConsoleSearch {
    let database: Database

    public init(database: Database) {
        self.database = database
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
            ConnectionHit(id: $0.int(0), name: $0.text(1), organization: $0.text(2), status: $0.text(3),
                          searchCode: inviting.contains($0.int(5)) ? $0.text(4) : nil)
        }
        // The code's connection leads the first page and is left out of the pages by name, so it shows once.
        if let code = query.code, !inviting.isEmpty {
            hits += try database.query("\(columns) WHERE c.search_code = \(p: 1) AND c.org_id IN (\(ids: 2))",
                                       [.text(code), .idList(inviting.sorted())], row: read)
        }
        let lead = after == nil ? hits : []
        guard query.reachesIndexes, let contains = SearchIndex.connections.containsQuery(column: "name", text: query.folded) else { return lead }
        let rows = SearchIndex.connections.rows(matching: [contains], dialect: database.dialect)
        let named = try database.query("""
            \(columns) WHERE c.id IN (\(rows)) AND c.org_id IN (\(ids: 1)) AND c.id > \(p: 2) ORDER BY c.id LIMIT \(p: 3)
            """, [.idList(visible), .init(after ?? 0), .init(limit + hits.count)], row: read)
        return Array((lead + named.filter { hit in !hits.contains { $0.id == hit.id } }).prefix(max(limit, lead.count)))
    }

    /// Requests (and memberships) whose driver's name or email contains the text. The matching ids
    /// come from the indexes as one list, read in id order until the page is full, so a broad word
    /// costs its list of ids, not a join and a sort of every match.
    public func drivers(_ query: Query, access: Access, after: Int? = nil, limit: Int) throws -> [DriverHit] {
        guard query.reachesIndexes,
              let name = SearchIndex.membershipNames.containsQuery(column: "driver_name", text: query.folded),
              let email = SearchIndex.driverEmails.containsQuery(column: "email", text: query.folded) else { return [] }
        let dialect = database.dialect
        return try database.query("""
            SELECT m.id, m.driver_name, d.email, m.state, c.id, c.name, o.name
            FROM memberships m JOIN drivers d ON d.id = m.driver_id JOIN connections c ON c.id = m.connection_id
            JOIN organizations o ON o.id = c.org_id
            WHERE m.id IN (\(SearchIndex.membershipNames.rows(matching: [name], dialect: dialect))
                           UNION SELECT id FROM memberships WHERE driver_id IN (\(SearchIndex.driverEmails.rows(matching: [email], dialect: dialect))))
              AND c.org_id IN (\(ids: 1)) AND m.id > \(p: 2)
            ORDER BY m.id LIMIT \(p: 3)
            """, [.idList(access.organizations(allowing: .viewConnections)), .init(after ?? 0), .init(limit)]) {
            DriverHit(id: $0.int(0), name: $0.text(1), email: $0.text(2),
                      state: try $0.decode(MembershipState.self, 3, table: "memberships", key: "id \($0.int(0))"),
                      connectionID: $0.int(4), connectionName: $0.text(5), organization: $0.text(6))
        }
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
