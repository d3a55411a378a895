import Storage

/// One cell of the table, typed by its column's kind.
public enum CellValue: Sendable, Equatable {
    case text(String)
    case number(Int)
    case identifier(Int)
    case choice(String)
    case list([String])
    /// As stored: "2026-11-25T14:30:00Z".
    case date(String)
    case inviteToken(String)
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

    /// A page of the connections of `organizations`, which the caller has checked the user may see,
    /// that match the state's filters.
    public func page(_ state: TableState, columns: [Column], organizations: [Int]) throws -> TablePage {
        let selection = try select(state, organizations: organizations)
        let lastPage = max(1, (selection.total + state.pageSize - 1) / state.pageSize)
        let page = min(state.page, lastPage)
        let rows = try read(selection, sort: state.sort, columns: columns,
                            limit: " LIMIT \(bind: .init(state.pageSize)) OFFSET \(bind: .init((page - 1) * state.pageSize))")
        return TablePage(rows: try database.query(rows.query, row: rows.row),
                         total: selection.total, page: page, pageSize: state.pageSize)
    }

    /// Keyset paging: the page of rows after `cursor` (without one, the state's page), in the state's
    /// sort, with the total the state selects and the place of this page's last row when more follow.
    public func page(_ state: TableState, columns: [Column], organizations: [Int], after cursor: TableCursor?) throws
        -> (rows: [TableRow], total: Int, next: TableCursor?) {
        var selection = try select(state, organizations: organizations)
        if let cursor {
            selection = Selection(condition: .joined([selection.condition, cursor.condition], separator: " AND "), total: selection.total,
                                  scoped: selection.scoped)
        }
        // One row more than the page says whether another page follows.
        let offset = cursor == nil ? (state.page - 1) * state.pageSize : 0
        let read = try read(selection, sort: state.sort, columns: columns,
                            limit: " LIMIT \(bind: .init(state.pageSize + 1)) OFFSET \(bind: .init(offset))", keyed: true)
        let sortValue = RowLayout.cellColumn(columns.count)
        let rows = try database.query(read.query) { (row: read.row($0), sortValue: $0.value(sortValue)) }
        guard rows.count > state.pageSize else { return (rows.map(\.row), selection.total, nil) }
        let last = rows[state.pageSize - 1]
        return (rows.prefix(state.pageSize).map(\.row), selection.total,
                TableCursor(sort: state.sort, value: last.sortValue, id: last.row.connectionID))
    }

    /// How many rows the state selects.
    public func count(_ state: TableState, organizations: [Int]) throws -> Int {
        try select(state, organizations: organizations).total
    }

    /// The ids of every matching row, for bulk actions.
    public func ids(_ state: TableState, organizations: [Int]) throws -> [Int] {
        var ids: [Int] = []
        try forEachStoredRow(state, columns: [], organizations: organizations) { ids.append($0.int(RowLayout.Identity.connectionID.rawValue)) }
        return ids
    }

    /// Every matching row in the table's order, one at a time, for exports and checks.
    public func forEachRow(_ state: TableState, columns: [Column], organizations: [Int], _ body: (TableRow) throws -> Void) throws {
        let kinds = columns.map(\.kind)
        try forEachStoredRow(state, columns: columns, organizations: organizations) { try body(Self.tableRow($0, kinds: kinds)) }
    }

    /// Every matching row in the table's order as the statement holds it (see `RowLayout`), for
    /// writers that copy bytes straight out. SQLite sorts all the rows with its external
    /// sorter (temporary files, memory bounded): reading the table in storage order and sorting
    /// beats walking an index and fetching a million rows one by one in random order.
    public func forEachStoredRow(_ state: TableState, columns: [Column], organizations: [Int], _ body: (Statement) throws -> Void) throws {
        let query = try read(try select(state, organizations: organizations), sort: state.sort, columns: columns,
                             limit: "", sortingAll: true).query
        let statement = try database.prepare(query)
        // A walk stopped early (an export cut short) ends the query at once instead of reading on.
        defer { statement.reset() }
        while try statement.step() { try body(statement) }
    }

    /// The rows a state selects: the WHERE condition, their number, and the number before filtering.
    static let longestIDList = 20_000

    struct Selection {
        let condition: SQLFragment
        let total: Int
        let scoped: Int
    }

    func select(_ state: TableState, organizations: [Int]) throws -> Selection {
        var state = state
        if state.filters.isRelative && state.filters.clock.timeZone == nil { state.filters.clock.timeZone = try OrganizationTimeZone(database: database).zone(for: organizations) }
        let everyOrganization = try isEveryOrganization(organizations)
        let scoped = try count(organizations: organizations, everyOrganization: everyOrganization)
        let scope = try scopeCondition(organizations, scoped: scoped, everyOrganization: everyOrganization)
        if let selection = state.selection {
            // Rows picked by hand: the filters still apply, so nothing outside them slips in.
            let picked: SQLFragment = "c.id IN (\(ids: selection))"
            let condition = SQLFragment.joined([scope, picked] + [state.filters.sql(dialect: database.dialect)].compactMap { $0 }, separator: " AND ")
            let total = try database.rememberedScalarInt("SELECT count(*) FROM connections c WHERE \(condition)")
            return Selection(condition: condition, total: total, scoped: scoped)
        }
        var searchLeads: Bool?
        switch try matchingIDs(state.filters, scope: scope, everyOrganization: everyOrganization) {
        case .found(let ids):
            let condition = ids.count <= Self.longestIDList ? "c.id IN (\(ids: ids))"
                : SQLFragment.joined([scope] + [state.filters.sql(dialect: database.dialect)].compactMap { $0 }, separator: " AND ")
            return Selection(condition: condition, total: ids.count, scoped: scoped)
        case .organizationsHoldMost:
            searchLeads = true
        case .needsRows:
            break
        }
        guard let filters = state.filters.sql(searchLeads: searchLeads, dialect: database.dialect) else { return Selection(condition: scope, total: scoped, scoped: scoped) }
        let condition = SQLFragment.joined([scope, filters], separator: " AND ")
        let total = try database.rememberedScalarInt("SELECT count(*) FROM connections c WHERE \(condition)")
        return Selection(condition: condition, total: total, scoped: scoped)
    }

    /// The exact ids of the matching rows, found from indexes alone, when the filters allow it:
    /// Contains filters the trigram index decides, and organization look-ups (whose rows the
    /// organization index lists). Both lists are read once and intersected here, so the count and
    /// the page read no row the filters rule out. nil when another kind of filter needs the rows
    /// themselves, or when the organization side is too long to be worth listing.
    func matchingIDs(_ filters: FilterSet, scope: SQLFragment, everyOrganization: Bool) throws -> IDSearch {
        guard let searched = filters.searchedRows(dialect: database.dialect) else { return .needsRows }
        let others = filters.applicable.filter { !filters.searched.contains($0) }
        guard others.allSatisfy(\.isIndexed) else { return .needsRows }
        let ids = try database.query(searched) { $0.int(0) }
        if others.isEmpty && everyOrganization { return .found(ids) }
        let conditions = SQLFragment.joined([scope] + [filters.unsearchedSQL(dialect: database.dialect)].compactMap { $0 }, separator: " AND ")
        let allowed = try database.query("SELECT c.id FROM connections c WHERE \(conditions) LIMIT \(bind: .init(Self.longestLookup + 1))") { $0.int(0) }
        guard allowed.count <= Self.longestLookup else { return .organizationsHoldMost }
        let kept = Set(allowed)
        return .found(ids.filter(kept.contains))
    }

    enum IDSearch {
        case found([Int])
        /// The organization look-ups keep most rows: the trigram match should lead instead.
        case organizationsHoldMost
        case needsRows
    }

    static let longestLookup = 200_000

    /// `keyed` adds the sort value after the cells, for keyset paging.
    func read(_ selection: Selection, sort: TableSort, columns: [Column], limit: SQLFragment, sortingAll: Bool = false, keyed: Bool = false) throws
        -> (query: SQLFragment, row: (Statement) -> TableRow) {
        // Filters that keep few rows, or every row wanted: start from the rows and sort them (the
        // unary + keeps SQLite from walking the sort index instead). Otherwise walk the sort index.
        let fromMatches = sortingAll || selection.total * 10 < selection.scoped
        let sortKey = fromMatches ? .withoutIndex(sort.column.sortExpression) : sort.column.sortExpression
        let tieBreak: SQLFragment = fromMatches ? .withoutIndex("c.id") : "c.id"
        let direction = sort.descending ? "DESC" : "ASC"
        // Tie-break on id in the same direction, so an index on the sort column serves both.
        let query: SQLFragment = """
            SELECT \(raw: RowLayout.selectList(columns))\(raw: keyed ? ", " + sort.column.expression : "")
            FROM connections c JOIN organizations o ON o.id = c.org_id
            WHERE \(selection.condition)
            ORDER BY \(sortKey) \(raw: direction), \(tieBreak) \(raw: direction)\(limit)
            """
        let kinds = columns.map(\.kind)
        return (query, { Self.tableRow($0, kinds: kinds) })
    }

    static func tableRow(_ row: Statement, kinds: [ColumnKind]) -> TableRow {
        TableRow(connectionID: row.int(RowLayout.Identity.connectionID.rawValue),
                 organizationID: row.int(RowLayout.Identity.organizationID.rawValue),
                 cells: kinds.indices.map { cell(row, RowLayout.cellColumn($0), kind: kinds[$0]) })
    }

    /// The order of a read's columns, declared once: the row's identity, then one column per cell.
    /// The query and every reader of its rows (the page, the exports, the id list) take positions
    /// from here, so adding a leading column cannot shift one reader and not another.
    enum RowLayout {
        /// Selected ahead of the cells, in this order.
        enum Identity: Int32, CaseIterable {
            case connectionID, organizationID

            var expression: String {
                switch self {
                case .connectionID: return "c.id"
                case .organizationID: return "c.org_id"
                }
            }
        }

        static func selectList(_ columns: [Column]) -> String {
            (Identity.allCases.map(\.expression) + columns.map(\.expression)).joined(separator: ", ")
        }

        /// Counted once, not per cell: `allCases` builds an array, and an export reads a million rows' cells.
        static let firstCellColumn = Int32(Identity.allCases.count)

        /// The statement column that holds cell `index` (the position of its column in the read).
        static func cellColumn(_ index: Int) -> Int32 { firstCellColumn + Int32(index) }
    }

    /// How the organizations limit the rows. When they hold most connections, walking the sort
    /// column's index and skipping the others' rows is fastest (the unary + keeps SQLite from
    /// starting at the organization index instead, which would sort every match); when they
    /// hold few, SQLite starts from the organization index. Everyone's: no condition at all.
    func scopeCondition(_ organizations: [Int], scoped: Int, everyOrganization: Bool) throws -> SQLFragment {
        if everyOrganization { return "1 = 1" }
        let everyConnection = try database.rememberedScalarInt("SELECT count(*) FROM connections")
        let column: SQLFragment = scoped * 4 >= everyConnection ? .withoutIndex("c.org_id") : "c.org_id"
        // One organization as an equality: PostgreSQL cannot see how few rows a list's ids hold, and
        // walked the whole sort index for a small organization's first page (2 s at a million rows).
        guard organizations.count != 1 else { return "\(column) = \(bind: .init(organizations[0]))" }
        return "\(column) IN (\(ids: organizations))"
    }

    func count(organizations: [Int], everyOrganization: Bool) throws -> Int {
        if everyOrganization { return try database.rememberedScalarInt("SELECT count(*) FROM connections") }
        return try database.rememberedScalarInt("SELECT count(*) FROM connections WHERE org_id IN (\(ids: 1))",
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
        case .date: return .date(row.text(index))
        case .inviteLink: return .inviteToken(row.text(index))
        case .text: return .text(row.text(index))
        }
    }
}
