import CSQLite

/// A failure reported by the database, with SQLite's (extended) result code, so callers decide by
/// code what it means: a constraint violation (bad input), a busy or unavailable database (try
/// again later), or anything else (a bug). PostgreSQL's SQLSTATE is mapped to the same codes.
public struct StorageError: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let message: String
    public let sql: String?
    /// PostgreSQL's five-character SQLSTATE; nil on SQLite.
    public let sqlState: String?

    public init(code: Int32, message: String, sql: String?) {
        self.code = code
        self.message = message
        self.sql = sql
        self.sqlState = nil
    }

    init(postgresState state: String, message: String, sql: String?) {
        self.code = Self.sqliteCode(forPostgresState: state)
        self.message = message
        self.sql = sql
        self.sqlState = state
    }

    /// SQLSTATE classes as SQLite's result codes: https://www.postgresql.org/docs/15/errcodes-appendix.html
    static func sqliteCode(forPostgresState state: String) -> Int32 {
        switch state {
        case "23505": return SQLITE_CONSTRAINT | (8 << 8)
        case _ where state.hasPrefix("23"): return SQLITE_CONSTRAINT
        // A lock not granted within lock_timeout, a serialization failure or a deadlock: try again.
        case "55P03", "40001", "40P01": return SQLITE_BUSY
        // Cancelled by statement_timeout.
        case "57014": return SQLITE_INTERRUPT
        // Disk full, out of memory, too many connections.
        case "53100": return SQLITE_FULL
        case _ where state.hasPrefix("53"): return SQLITE_NOMEM
        // A read-only server (a standby), a shut-down or unreachable server.
        case "25006": return SQLITE_READONLY
        case _ where state.hasPrefix("08") || state.hasPrefix("57P"): return SQLITE_CANTOPEN
        default: return SQLITE_ERROR
        }
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

    /// The statement ran past its time limit (PostgreSQL's statement_timeout) and was cancelled.
    public var isTimeout: Bool { primaryCode == SQLITE_INTERRUPT }

    /// The server cannot be reached or is shutting down (PostgreSQL restarted, a failover): reads
    /// fail too; the connection is made again at the next request.
    public var isUnreachable: Bool { sqlState.map { $0.hasPrefix("08") || $0.hasPrefix("57P") } ?? false }

    /// Text PostgreSQL cannot store (a NUL character), which SQLite would have taken.
    public var isUnstorableText: Bool { sqlState == "22021" || sqlState == "22P05" }

    public var description: String {
        let origin = sqlState.map { "PostgreSQL error \($0)" } ?? "SQLite error \(code)"
        if let sql { return "\(origin): \(message) [\(sql.prefix(200))]" }
        return "\(origin): \(message)"
    }
}
