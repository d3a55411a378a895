/// What the connections table shows: sort and page. It lives entirely in the URL,
/// so it is parsed from query pairs and written back to them.
public struct TableState: Sendable, Equatable {
    /// The sizes the page offers; an address (and the API) may ask for any size in `pageSizeLimits`.
    public static let pageSizes = [25, 50, 100, 200]
    public static let pageSizeLimits = 1...200
    public static let defaultPageSize = 50
    public static let defaultSort = TableSort(column: ColumnCatalog.column("name")!, descending: false)

    public var sort: TableSort
    public var page: Int
    public var pageSize: Int
    /// One organization, or nil for all of the user's.
    public var organization: Int?
    public var filters: FilterSet
    /// Columns carried in the address; nil shows the user's saved choice.
    public var columns: ColumnChoice?
    /// Rows picked one by one for a bulk action (`sel=3,17,42`), within the filters; nil for all.
    public var selection: [Int]?
    public static let largestSelection = 10_000
    /// The saved view this state was opened from (`view=`): the page compares the two and says "modified".
    public var view: Int?

    public init(sort: TableSort = TableState.defaultSort, page: Int = 1, pageSize: Int = TableState.defaultPageSize,
                organization: Int? = nil, filters: FilterSet = FilterSet()) {
        self.sort = sort
        self.page = page
        self.pageSize = pageSize
        self.organization = organization
        self.filters = filters
    }

    /// Reads `sort`, `order`, `page`, `size`, `org` and the filters; anything malformed is a 400
    /// that says what is wrong.
    public static func parse(_ query: [(name: String, value: String)]) throws(UserError) -> TableState {
        var state = TableState(filters: try FilterSet.parse(query))
        var order: String?
        // `cols` and `sel` are comma lists; given more than once (as client generators write lists) they add up.
        let lists = ["cols", "sel"].map { name in (name, query.filter { $0.name == name }.map(\.value)) }
        let query = query.filter { $0.name != "cols" && $0.name != "sel" }
            + lists.compactMap { name, values in values.isEmpty ? nil : (name: name, value: values.joined(separator: ",")) }
        for (name, value) in query {
            switch name {
            case "sort":
                guard let column = ColumnCatalog.column(value) else {
                    throw .badRequest("Cannot sort by “\(value.prefix(80))”: there is no such column.")
                }
                state.sort.column = column
            case "order":
                guard value == "asc" || value == "desc" else {
                    throw .badRequest("The sort order must be “asc” or “desc”, not “\(value.prefix(80))”.")
                }
                order = value
            case "page":
                guard let page = RequestNumber.parse(value, in: RequestNumber.pages) else {
                    throw .badRequest("The page must be a whole number from 1 to \(RequestNumber.pages.upperBound), not “\(value.prefix(80))”.")
                }
                state.page = page
            case "org":
                let organization = RequestNumber.parse(value, in: RequestNumber.ids)
                guard value == "all" || organization != nil else {
                    throw .badRequest("The organization must be an Org ID or “all”, not “\(value.prefix(80))”.")
                }
                state.organization = organization
            case "cols":
                state.columns = try ColumnChoice(keys: value)
            case "sel":
                let ids = value.split(separator: ",", omittingEmptySubsequences: false).prefix(largestSelection + 1)
                    .map { RequestNumber.parse($0, in: RequestNumber.ids) }
                guard !ids.isEmpty, ids.count <= largestSelection, ids.allSatisfy({ $0 != nil }) else {
                    throw .badRequest("The selection must be up to \(largestSelection) connection ids separated by commas.")
                }
                state.selection = ids.compactMap { $0 }
            case "view":
                guard value == "none" || RequestNumber.parse(value, in: RequestNumber.ids) != nil else {
                    throw .badRequest("A view is named by its number, not “\(value.prefix(80))”.")
                }
                state.view = RequestNumber.parse(value, in: RequestNumber.ids)
            case "size":
                guard let size = RequestNumber.parse(value, in: pageSizeLimits) else {
                    throw .badRequest("The page size must be a whole number from \(pageSizeLimits.lowerBound) to \(pageSizeLimits.upperBound), not “\(value.prefix(80))”.")
                }
                state.pageSize = size
            default:
                continue
            }
        }
        state.sort.descending = order == "desc"
        return state
    }

    /// Refuses a state that filters or sorts by a column the user may not see: which rows match,
    /// and in which order, would tell its values.
    public func requireColumns(_ allowed: [Column]) throws(UserError) {
        for column in filters.filters.map(\.column) + [sort.column] where !allowed.contains(column) {
            throw .forbidden("Your role cannot see the \(column.label) column here, so it cannot filter or sort by it.")
        }
    }

    /// What chooses and orders the rows, part by part: a cursor belongs to it (columns, page size
    /// and page do not change which row comes next).
    public var cursorQuery: QueryCursor.Query {
        [("filters (f, op, v)", filters.filters.map { [$0.column.key, $0.condition.key, $0.trimmedValue] + ($0.group == 0 ? [] : [String($0.group)]) }
            .map { $0.joined(separator: "\u{1F}") }.joined(separator: "\u{1E}")),
         ("match", (filters.filters.count > 1 ? filters.match.rawValue : "") + (filters.isGrouped ? " " + filters.groupMatch.map(\.rawValue).joined(separator: ",") : "")),
         ("sort and order", sort.column.key + (sort.descending ? " desc" : " asc")),
         ("organization (org)", organization.map(String.init) ?? "all"),
         ("selection (sel)", selection.map { $0.map(String.init).joined(separator: ",") } ?? "")]
    }

    /// The query pairs that reproduce this state, leaving out defaults so URLs stay short.
    public var queryPairs: [(name: String, value: String)] {
        var pairs: [(name: String, value: String)] = []
        if let view { pairs.append(("view", String(view))) }
        if let organization { pairs.append(("org", String(organization))) }
        pairs += filters.queryPairs
        if let columns { pairs.append(("cols", columns.keys)) }
        if let selection { pairs.append(("sel", selection.map(String.init).joined(separator: ","))) }
        if sort.column != Self.defaultSort.column { pairs.append(("sort", sort.column.key)) }
        if sort.descending { pairs.append(("order", "desc")) }
        if pageSize != Self.defaultPageSize { pairs.append(("size", String(pageSize))) }
        if page != 1 { pairs.append(("page", String(page))) }
        return pairs
    }
}

extension TableState {
    /// What a saved view keeps: the whole state but its page and the view it came from.
    public var viewPairs: [(name: String, value: String)] {
        var kept = self
        kept.page = 1
        kept.view = nil
        kept.selection = nil
        return kept.queryPairs
    }
}

public struct TableSort: Sendable, Equatable {
    public var column: Column
    public var descending: Bool

    public init(column: Column, descending: Bool) {
        self.column = column
        self.descending = descending
    }
}
