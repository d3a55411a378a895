import CSQLite

/// A failure reported by SQLite, with its (extended) result code, so callers decide by code
/// what it means: a constraint violation (bad input), a busy or unavailable database (try again
/// later), or anything else (a bug).
public struct StorageError: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let message: String
    public let sql: String?

    public init(code: Int32, message: String, sql: String?) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    /// The primary result code, without the extended bits.
    public var primaryCode: Int32 { code & 0xff }

    public var isConstraintViolation: Bool { primaryCode == SQLITE_CONSTRAINT }

    /// A UNIQUE index or primary key refused a duplicate.
    public var isUniqueViolation: Bool {
        // SQLITE_CONSTRAINT_UNIQUE and SQLITE_CONSTRAINT_PRIMARYKEY: C macros Swift does not import.
        code == SQLITE_CONSTRAINT | (8 << 8) || code == SQLITE_CONSTRAINT | (6 << 8)
    }

    /// Another writer held the lock beyond the busy timeout: the same request may work a moment later.
    public var isBusy: Bool { primaryCode == SQLITE_BUSY || primaryCode == SQLITE_LOCKED }

    /// The database cannot take writes at all: the disk is full, the file or folder is read-only,
    /// or the disk failed. Nothing was written; an operator must act.
    public var isUnavailable: Bool {
        [SQLITE_FULL, SQLITE_READONLY, SQLITE_IOERR, SQLITE_CANTOPEN, SQLITE_NOMEM].contains(primaryCode)
    }

    public var description: String {
        if let sql { return "SQLite error \(code): \(message) [\(sql.prefix(200))]" }
        return "SQLite error \(code): \(message)"
    }
}
