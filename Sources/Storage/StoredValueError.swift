/// A stored value outside the ones the program knows: a corrupt row, or one a newer program
/// wrote. Reading on with a guess would show or decide on something that is not there, so the
/// read fails and the error, which ends in the log, names the row.
public struct StoredValueError: Error, CustomStringConvertible, Sendable {
    public let table: String
    /// The row's key as the log should name it: "id 42", "user_id 3, org_id 5".
    public let key: String
    public let column: String
    public let value: String

    public init(table: String, key: String, column: String, value: String) {
        self.table = table
        self.key = key
        self.column = column
        self.value = value
    }

    public var description: String {
        "corrupt stored value: \(table) row \(key) has \(column) '\(value.prefix(100))', which this program does not know"
    }
}
