/// A piece of SQL and the values of its `?` placeholders, in the order they appear, so pieces
/// can be joined without renumbering parameters.
public struct SQLFragment: Sendable, Equatable {
    public var sql: String
    public var parameters: [SQLValue]

    public init(_ sql: String, _ parameters: [SQLValue] = []) {
        self.sql = sql
        self.parameters = parameters
    }

    /// The pieces joined by `separator` (" AND ", " OR "), each in parentheses.
    public static func joined(_ pieces: [SQLFragment], separator: String) -> SQLFragment {
        SQLFragment(pieces.map { "(" + $0.sql + ")" }.joined(separator: separator), pieces.flatMap(\.parameters))
    }

    /// `(?, ?, ?)` for `IN`, a parameter per value, read the same by SQLite and PostgreSQL (an id
    /// list is one parameter instead: `SQLValue.idList`); `(NULL)`, which matches nothing, when empty.
    public static func list(_ values: [SQLValue]) -> SQLFragment {
        values.isEmpty ? SQLFragment("(NULL)") : SQLFragment("(" + values.map { _ in "?" }.joined(separator: ", ") + ")", values)
    }

    public static func + (left: SQLFragment, right: SQLFragment) -> SQLFragment {
        SQLFragment(left.sql + right.sql, left.parameters + right.parameters)
    }
}
