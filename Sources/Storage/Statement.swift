import CSQLite

/// A prepared statement. Reused across executions: `bind` resets it first.
public final class Statement {
    /// SQLite's prepared statement, or the PostgreSQL query and its rows.
    enum Backing {
        case sqlite(OpaquePointer)
        case postgres(PostgresRows)
    }

    let backing: Backing
    let sql: String

    init(handle: OpaquePointer, sql: String) {
        backing = .sqlite(handle)
        self.sql = sql
    }

    init(postgres rows: PostgresRows, sql: String) {
        backing = .postgres(rows)
        self.sql = sql
    }

    deinit {
        if case .sqlite(let handle) = backing { sqlite3_finalize(handle) }
    }

    /// Resets the statement and binds positional parameters (?1, ?2, ...).
    @discardableResult
    public func bind(_ values: [SQLValue]) throws -> Statement {
        guard case .sqlite(let handle) = backing else {
            if case .postgres(let rows) = backing { try rows.bind(values) }
            return self
        }
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        // SQLITE_TRANSIENT: SQLite copies the bytes, so Swift may free them.
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        for (index, value) in values.enumerated() {
            let position = Int32(index + 1)
            let rc: Int32
            switch value {
            case .null: rc = sqlite3_bind_null(handle, position)
            case .integer(let i): rc = sqlite3_bind_int64(handle, position, i)
            case .real(let d): rc = sqlite3_bind_double(handle, position, d)
            case .text(let s):
                rc = s.utf8.withContiguousStorageIfAvailable { buffer in
                    sqlite3_bind_text(handle, position, buffer.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) },
                                      Int32(buffer.count), transient)
                } ?? sqlite3_bind_text(handle, position, s, -1, transient)
            }
            guard rc == SQLITE_OK else { throw error(rc) }
        }
        return self
    }

    /// Advances to the next row; false when the statement is done.
    public func step() throws -> Bool {
        let handle: OpaquePointer
        switch backing {
        case .postgres(let rows): return try rows.step()
        case .sqlite(let sqlite): handle = sqlite
        }
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let failure = error(rc)
            sqlite3_reset(handle)
            throw failure
        }
    }

    /// Runs a statement that returns no rows.
    public func run() throws {
        while try step() {}
        reset()
    }

    public func reset() {
        switch backing {
        case .sqlite(let handle): sqlite3_reset(handle)
        case .postgres(let rows): try? rows.reset()
        }
    }

    public var columnCount: Int32 {
        switch backing {
        case .sqlite(let handle): return sqlite3_column_count(handle)
        case .postgres(let rows): return rows.columnCount
        }
    }

    public func isNull(_ column: Int32) -> Bool {
        switch backing {
        case .sqlite(let handle): return sqlite3_column_type(handle, column) == SQLITE_NULL
        case .postgres(let rows): return rows.isNull(column)
        }
    }

    public func int(_ column: Int32) -> Int {
        switch backing {
        case .sqlite(let handle): return Int(sqlite3_column_int64(handle, column))
        case .postgres(let rows): return rows.int(column)
        }
    }

    public func double(_ column: Int32) -> Double {
        switch backing {
        case .sqlite(let handle): return sqlite3_column_double(handle, column)
        case .postgres(let rows): return rows.double(column)
        }
    }

    /// Text of a column; NULL reads as "". Length-based, so embedded NULs survive.
    public func text(_ column: Int32) -> String {
        withBytes(column) { String(decoding: $0, as: UTF8.self) }
    }

    /// The UTF-8 bytes of a column, valid only inside `body` (until the next step): for writing
    /// them on without making a string.
    public func withBytes<Result>(_ column: Int32, _ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        switch backing {
        case .sqlite(let handle):
            guard let bytes = sqlite3_column_text(handle, column) else { return try body(UnsafeBufferPointer(start: nil, count: 0)) }
            return try body(UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(handle, column))))
        case .postgres(let rows):
            return try body(rows.bytes(column))
        }
    }

    /// A column that holds one item per line, split without copying the text first.
    public func lines(_ column: Int32) -> [String] {
        withBytes(column) { buffer in
            var lines: [String] = []
            var start = 0
            for index in 0...buffer.count where index == buffer.count || buffer[index] == UInt8(ascii: "\n") {
                if index > start { lines.append(String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<index]), as: UTF8.self)) }
                start = index + 1
            }
            return lines
        }
    }

    /// A SQLite column's stored type (SQLITE_INTEGER, ...), read before the value: reading converts it.
    func sqliteType(_ column: Int32) -> Int32 {
        guard case .sqlite(let handle) = backing else { preconditionFailure("a SQLite statement's column type") }
        return sqlite3_column_type(handle, column)
    }

    func withBlob(_ column: Int32, _ body: (UnsafeRawBufferPointer) -> Void) {
        guard case .sqlite(let handle) = backing else { return }
        body(UnsafeRawBufferPointer(start: sqlite3_column_blob(handle, column), count: Int(sqlite3_column_bytes(handle, column))))
    }

    public func optionalText(_ column: Int32) -> String? { isNull(column) ? nil : text(column) }

    /// A column holding one of `T`'s raw values; any other value throws, naming `table` and the
    /// row by `key` (worked out only then).
    public func decode<T: RawRepresentable>(_ type: T.Type, _ column: Int32, table: String, key: @autoclosure () -> String) throws -> T
    where T.RawValue == String {
        let raw = text(column)
        guard let value = T(rawValue: raw) else {
            throw StoredValueError(table: table, key: key(), column: columnName(column) ?? "column \(column)", value: raw)
        }
        return value
    }

    func columnName(_ column: Int32) -> String? {
        switch backing {
        case .sqlite(let handle): return sqlite3_column_name(handle, column).map { String(cString: $0) }
        case .postgres(let rows): return rows.name(column)
        }
    }

    public func value(_ column: Int32) -> SQLValue {
        switch backing {
        case .postgres(let rows): return rows.value(column)
        case .sqlite(let handle):
            switch sqlite3_column_type(handle, column) {
            case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, column))
            case SQLITE_FLOAT: return .real(double(column))
            case SQLITE_NULL: return .null
            default: return .text(text(column))
            }
        }
    }

    private func error(_ rc: Int32) -> StorageError {
        guard case .sqlite(let handle) = backing else { return StorageError(code: rc, message: "statement failed", sql: sql) }
        let database = sqlite3_db_handle(handle)
        return StorageError(code: sqlite3_extended_errcode(database), message: String(cString: sqlite3_errmsg(database)), sql: sql)
    }
}
