import Storage

/// A place in the table's order: just after the row with this sort value and id. The next page
/// starts there (keyset paging), so rows added or removed meanwhile shift nothing: a client walking
/// every page sees each row at most once. Handed to clients as a `QueryCursor` of the whole query.
public struct TableCursor: Sendable, Equatable {
    public let sort: TableSort
    public let value: SQLValue
    public let id: Int

    public init(sort: TableSort, value: SQLValue, id: Int) {
        self.sort = sort
        self.value = value
        self.id = id
    }

    /// The cursor of the next page of `state`'s rows: it belongs to the state's whole query.
    public func encoded(for state: TableState) -> String {
        let text: String
        switch value {
        case .integer(let number): text = String(number)
        case .text(let string): text = string
        default: text = ""
        }
        return QueryCursor.encode(list: Self.list, query: state.cursorQuery, place: [String(id), text])
    }

    static let list = "connections"

    /// Reads a cursor handed back by a client; it must be for the query asked now.
    public init(decoding text: String, for state: TableState) throws(UserError) {
        let place = try QueryCursor.decode(text, list: Self.list, query: state.cursorQuery, places: 2)
        let bad = QueryCursor.invalid
        guard let id = RequestNumber.parse(place[0], in: RequestNumber.ids) else { throw bad }
        switch state.sort.column.kind {
        case .number, .identifier:
            guard let number = RequestNumber.parse(place[1], in: RequestNumber.filterValues) else { throw bad }
            value = .integer(Int64(number))
        case .text, .enumeration, .list, .date, .inviteLink:
            value = .text(place[1])
        }
        self.sort = state.sort
        self.id = id
    }

    /// The rows after this place in the sort, as a WHERE condition (row values compare in order,
    /// each with the sort's collation, so the sort's index serves it).
    var condition: SQLFragment {
        "(\(sort.column.sortExpression), c.id) \(raw: sort.descending ? "<" : ">") (\(sort.column.sortValue(value)), \(bind: .init(id)))"
    }
}
