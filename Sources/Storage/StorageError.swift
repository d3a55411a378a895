import CSQLite

/// A failure reported by SQLite, with its result code so callers can tell a
/// constraint violation (bad input) from a broken database (a bug).
public struct StorageError: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let message: String
    public let sql: String?

    public var isConstraintViolation: Bool { code & 0xff == SQLITE_CONSTRAINT }
    public var isBusy: Bool { code & 0xff == SQLITE_BUSY }

    public var description: String {
        if let sql { return "SQLite error \(code): \(message) [\(sql.prefix(200))]" }
        return "SQLite error \(code): \(message)"
    }
}
