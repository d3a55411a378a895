/// A value bound to, or read from, an SQLite statement.
public enum SQLValue: Sendable, Equatable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
}

extension SQLValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(_ value: Int) { self = .integer(Int64(value)) }
    public init(_ value: String?) { self = value.map(SQLValue.text) ?? .null }
}

extension SQLValue {
    /// A list of ids bound as one JSON array, read in SQL as `IN (\(ids: N))` (`SQLDialect.ids`):
    /// one parameter whatever the list's length.
    public static func idList(_ ids: [Int]) -> SQLValue {
        .text("[" + ids.map(String.init).joined(separator: ",") + "]")
    }
}
