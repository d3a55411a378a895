import Storage

/// One cell of the table, typed by its column's kind.
public enum CellValue: Sendable, Equatable {
    case text(String)
    case number(Int)
    case identifier(Int)
    case choice(String)
    case list([String])
}

public struct TableRow: Sendable {
    public let connectionID: Int
    public let organizationID: Int
    public let cells: [CellValue]
}

public struct TablePage: Sendable {
    public let rows: [TableRow]
    public let total: Int
    /// The page shown: the asked one, or the last one when the ask is past the end.
    public let page: Int
    public let pageSize: Int

    public var pageCount: Int { max(1, (total + pageSize - 1) / pageSize) }
    public var firstRowNumber: Int { total == 0 ? 0 : (page - 1) * pageSize + 1 }
    public var lastRowNumber: Int { min(total, page * pageSize) }
}

/// Reads pages of the connections table: one parameterized query for the rows
/// and one for the count.
public struct ConnectionTable {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// A page of the connections of `organizations`, which the caller has checked the user may see.
    public func page(_ state: TableState, columns: [Column], organizations: [Int]) throws -> TablePage {
        let everyOrganization = try isEveryOrganization(organizations)
        let total = try count(organizations: organizations, everyOrganization: everyOrganization)
        let scope: SQLValue = everyOrganization ? .null : .idList(organizations)
        let lastPage = max(1, (total + state.pageSize - 1) / state.pageSize)
        let page = min(state.page, lastPage)
        let direction = state.sort.descending ? "DESC" : "ASC"
        let sql = """
            SELECT c.id, c.org_id, \(columns.map(\.expression).joined(separator: ", "))
            FROM connections c JOIN organizations o ON o.id = c.org_id
            WHERE \(try scopeCondition(scoped: total, everyOrganization: everyOrganization))
            ORDER BY \(state.sort.column.sortExpression) \(direction), c.id \(direction)
            LIMIT ?1 OFFSET ?2
            """
        // Tie-break on id in the same direction, so an index on the sort column serves both.
        let kinds = columns.map(\.kind)
        let rows = try database.query(sql, [.init(state.pageSize), .init((page - 1) * state.pageSize), scope]) { row in
            TableRow(connectionID: row.int(0), organizationID: row.int(1), cells: kinds.indices.map { Self.cell(row, Int32($0 + 2), kind: kinds[$0]) })
        }
        return TablePage(rows: rows, total: total, page: page, pageSize: state.pageSize)
    }

    /// How the organizations limit the rows. When they hold most connections, walking the sort
    /// column's index and skipping the others' rows is fastest (the unary + keeps SQLite from
    /// starting at the organization index instead, which would sort every match); when they
    /// hold few, SQLite starts from the organization index. Everyone's: no condition at all.
    func scopeCondition(scoped: Int, everyOrganization: Bool) throws -> String {
        if everyOrganization { return "?3 IS NULL" }
        let everyConnection = try database.rememberedScalarInt("SELECT count(*) FROM connections")
        let membership = "IN (SELECT value FROM json_each(?3))"
        return scoped * 4 >= everyConnection ? "+c.org_id \(membership)" : "c.org_id \(membership)"
    }

    func count(organizations: [Int], everyOrganization: Bool) throws -> Int {
        if everyOrganization { return try database.rememberedScalarInt("SELECT count(*) FROM connections") }
        return try database.rememberedScalarInt("SELECT count(*) FROM connections WHERE org_id IN (SELECT value FROM json_each(?1))",
                                                [.idList(organizations)])
    }

    private func isEveryOrganization(_ organizations: [Int]) throws -> Bool {
        try organizations.count == database.rememberedScalarInt("SELECT count(*) FROM organizations")
    }

    /// Every connection of every organization, for the command line.
    public func countAll() throws -> Int {
        try database.scalarInt("SELECT count(*) FROM connections")
    }

    static func cell(_ row: Statement, _ index: Int32, kind: ColumnKind) -> CellValue {
        switch kind {
        case .number: return .number(row.int(index))
        case .identifier: return .identifier(row.int(index))
        case .enumeration: return .choice(row.text(index))
        case .list: return .list(row.lines(index))
        case .date: return .text(DateText.display(row.text(index)))
        case .text: return .text(row.text(index))
        }
    }
}
