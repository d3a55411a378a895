import CSQLite
import Foundation

/// One SQLite connection. Not shared between threads: each FastCGI worker opens its own.
public final class Database {
    let handle: OpaquePointer
    public let path: String
    private let busyTimeoutMilliseconds: Int32
    private var statementCache = StatementCache(capacity: Database.statementCacheCapacity)
    /// Prepared statements kept per connection. Filters make new SQL text for every combination
    /// of columns and conditions, so an unbounded cache grows with each one a user tries; the
    /// least recently used statement goes when the cache is full. The hot queries stay.
    public static let statementCacheCapacity = 64
    private var resultCache: (stamp: ChangeStamp, values: [String: Any]) = (ChangeStamp(data: -1, own: -1), [:])

    /// SQLite's memory statistics take a process-wide mutex on every allocation, which the
    /// worker threads would contend for; nothing here reads them.
    private static let configured: Bool = csqlite_disable_memory_statistics() == SQLITE_OK

    /// Shared by the connections of one process; nil: no limit (command-line tools, tests).
    private let writeGate: WriteGate?

    public init(path: String, readOnly: Bool = false, busyTimeoutMilliseconds: Int32 = 5000, writeGate: WriteGate? = nil) throws {
        self.writeGate = writeGate
        _ = Self.configured
        var pointer: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &pointer, flags, nil)
        guard rc == SQLITE_OK, let pointer else {
            let message = pointer.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(pointer)
            throw StorageError(code: rc, message: "cannot open \(path): \(message)", sql: nil)
        }
        handle = pointer
        self.path = path
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        sqlite3_extended_result_codes(handle, 1)
        sqlite3_busy_timeout(handle, busyTimeoutMilliseconds)
        let registered = TextFolding.register(on: handle)
        guard registered == SQLITE_OK else { throw StorageError(code: registered, message: "cannot register fold()", sql: nil) }
        try execute("PRAGMA foreign_keys = ON")
        if !readOnly { try execute(Self.durableWrites) }
        // Sorts too big for memory (an export of every row) merge on a second core.
        try execute("PRAGMA threads = 2")

    }

    /// WAL, synced at every commit. With synchronous = NORMAL, WAL syncs only at checkpoints, so
    /// commits a user already saw succeed can be lost in a power failure or an OS crash; FULL
    /// syncs the WAL before each commit returns, at the cost of one fsync per write transaction.
    /// Every read-write connection uses it; only a bulk load turns syncing off while it runs.
    static let durableWrites = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL"

    deinit {
        statementCache = StatementCache(capacity: 0)
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements without parameters (schema, pragmas).
    public func execute(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &message)
        if rc != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? "unknown error"
            sqlite3_free(message)
            throw StorageError(code: sqlite3_extended_errcode(handle), message: text, sql: sql)
        }
    }

    /// A new prepared statement, owned by the caller.
    public func prepare(_ sql: String) throws -> Statement {
        var pointer: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &pointer, nil)
        guard rc == SQLITE_OK, let pointer else {
            throw StorageError(code: sqlite3_extended_errcode(handle), message: String(cString: sqlite3_errmsg(handle)), sql: sql)
        }
        return Statement(handle: pointer, sql: sql)
    }

    /// A statement prepared once per connection and reused: for the hot queries.
    public func cached(_ sql: String) throws -> Statement {
        if let statement = statementCache.statement(for: sql) { return statement }
        let statement = try prepare(sql)
        statementCache.insert(statement, for: sql)
        return statement
    }

    /// How many prepared statements this connection keeps.
    public var cachedStatementCount: Int { statementCache.count }

    /// Runs one parameterized statement that returns no rows.
    public func run(_ sql: String, _ parameters: [SQLValue] = []) throws {
        try cached(sql).bind(parameters).run()
    }

    /// Maps every row of a parameterized query.
    public func query<Row>(_ sql: String, _ parameters: [SQLValue] = [], row: (Statement) throws -> Row) throws -> [Row] {
        let statement = try cached(sql).bind(parameters)
        defer { statement.reset() }
        var rows: [Row] = []
        while try statement.step() { rows.append(try row(statement)) }
        return rows
    }

    /// The first column of the first row, if any.
    public func scalar(_ sql: String, _ parameters: [SQLValue] = []) throws -> SQLValue? {
        let statement = try cached(sql).bind(parameters)
        defer { statement.reset() }
        return try statement.step() ? statement.value(0) : nil
    }

    public func scalarInt(_ sql: String, _ parameters: [SQLValue] = []) throws -> Int {
        guard case .integer(let value)? = try scalar(sql, parameters) else { return 0 }
        return Int(value)
    }

    /// Inserts several rows with one statement: "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)".
    /// `table` and `columns` are the caller's constants, never user input.
    public func insertRows(into table: String, columns: [String], rows: [[SQLValue]]) throws {
        guard !rows.isEmpty else { return }
        let placeholders = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
        let sql = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES "
            + Array(repeating: placeholders, count: rows.count).joined(separator: ", ")
        try cached(sql).bind(rows.flatMap { $0 }).run()
    }

    /// Changes whenever this connection or another one commits to the database.
    struct ChangeStamp: Equatable {
        let data: Int
        let own: Int64
    }

    func changeStamp() throws -> ChangeStamp {
        ChangeStamp(data: try requestDataVersion ?? scalarInt("PRAGMA data_version"), own: sqlite3_total_changes64(handle))
    }

    /// Other connections' commits, as seen when the current request began: one pragma per
    /// request instead of one per remembered value. Our own writes still count at once.
    private var requestDataVersion: Int?

    /// Call when a request begins and ends: values remembered within it check for other
    /// connections' changes once.
    public func beginRequest() throws {
        requestDataVersion = try scalarInt("PRAGMA data_version")
    }

    public func endRequest() {
        requestDataVersion = nil
    }

    /// `scalarInt`, remembered until the database changes: counts over many rows cost a scan,
    /// while checking for a change costs one pragma.
    public func rememberedScalarInt(_ sql: String, _ parameters: [SQLValue] = []) throws -> Int {
        let key = parameters.isEmpty ? sql : sql + "\u{1F}" + parameters.map { "\($0)" }.joined(separator: "\u{1F}")
        return try remembered(key) { try scalarInt(sql, parameters) }
    }

    /// A value read from the database, kept until this or another connection commits a change.
    /// `key` must name everything the value depends on besides the database's contents.
    public func remembered<Value>(_ key: String, _ compute: () throws -> Value) throws -> Value {
        let stamp = try changeStamp()
        if stamp != resultCache.stamp { resultCache = (stamp, [:]) }
        // Unwrap the dictionary's optional first: a missing key would otherwise cast to a nil Value.
        if let stored = resultCache.values[key], let value = stored as? Value { return value }
        let value = try compute()
        if resultCache.values.count >= 256 { resultCache.values.removeAll(keepingCapacity: true) }
        resultCache.values[key] = value
        return value
    }

    /// Runs a write the caller can do without (bookkeeping such as a session's last-seen time):
    /// it does not wait for another writer's lock, and its failure is returned, not thrown.
    @discardableResult
    public func bestEffort(_ body: () throws -> Void) -> Error? {
        withBusyTimeout(0) {
            do {
                try body()
                return nil
            } catch {
                return error
            }
        }
    }

    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// BEGIN IMMEDIATE, unless the write gate says the lock is stuck with another program: then
    /// busy at once, so that this worker goes back to serving reads.
    private func beginWriting() throws {
        guard let writeGate else { return try execute("BEGIN IMMEDIATE") }
        switch writeGate.admit() {
        case .patient(let since):
            defer { writeGate.leave(since) }
            try execute("BEGIN IMMEDIATE")
        case .ordinary:
            let deadline = ContinuousClock.now + .milliseconds(Int(busyTimeoutMilliseconds))
            var version = try scalarInt("PRAGMA data_version")
            while true {
                do {
                    try withBusyTimeout(WriteGate.stuckAfterMilliseconds) { try execute("BEGIN IMMEDIATE") }
                    break
                } catch let error as StorageError where error.isBusy {
                    // Another connection committed meanwhile: the lock moves, keep waiting.
                    let now = try scalarInt("PRAGMA data_version")
                    if now != version { writeGate.lockMoved() }
                    version = now
                    if writeGate.lockIsStuck || ContinuousClock.now >= deadline { throw error }
                }
            }
        case .refused:
            throw StorageError(code: SQLITE_BUSY, message: "the write lock has been held elsewhere for a while", sql: nil)
        }
        writeGate.lockMoved()
    }

    private func withBusyTimeout<T>(_ milliseconds: Int32, _ body: () throws -> T) rethrows -> T {
        sqlite3_busy_timeout(handle, min(milliseconds, busyTimeoutMilliseconds))
        defer { sqlite3_busy_timeout(handle, busyTimeoutMilliseconds) }
        return try body()
    }

    /// Runs `body` in a write transaction taken up front (BEGIN IMMEDIATE), so
    /// two writers never deadlock upgrading read locks; rolls back on error.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try beginWriting()
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }
}

extension Database {
    /// Loads many rows fast, for filling a new database: one transaction journaled in memory
    /// (pages that did not exist before need no journal) without fsync, with the indexes and
    /// search indexes of `tables` built after the rows. Every constraint is checked once after
    /// the load instead of row by row: CHECK and NOT NULL by quick_check, foreign keys by
    /// foreign_key_check (on a second connection, while this one builds the search indexes),
    /// UNIQUE by building the deferred indexes. A failed check throws; the caller deletes the file.
    public func bulkLoad<T>(deferringIndexesOf tables: [String], _ body: () throws -> T) throws -> T {
        try execute("""
            PRAGMA foreign_keys = OFF; PRAGMA ignore_check_constraints = ON; PRAGMA synchronous = OFF;
            PRAGMA journal_mode = MEMORY; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -4000000
            """)
        defer {
            try? execute("PRAGMA foreign_keys = ON; PRAGMA ignore_check_constraints = OFF; PRAGMA cache_size = -2000; " + Self.durableWrites)
        }
        let searchIndexes = SearchIndex.all.filter { tables.contains($0.table) }
        // The search indexes' triggers (named after their index) as the migrations made them.
        let searchTriggers = try storedSchema("trigger", on: tables).filter { trigger in
            searchIndexes.contains { trigger.name.hasPrefix($0.name + "_") }
        }
        let result = try transaction { try deferringIndexes(of: tables, setAside: searchTriggers, body) }
        try execute("PRAGMA journal_mode = WAL")  // so the check reads while the search indexes are written
        // An in-memory database has no second connection: it checks after the build instead.
        let check = path == ":memory:" || path.isEmpty ? nil : ConstraintCheck(path: path)
        check?.start()
        let built = Result {
            try transaction {
                for trigger in searchTriggers { try execute(trigger.sql) }
                for search in searchIndexes { try execute(search.rebuild) }
            }
        }
        let problems = try check?.problems() ?? ConstraintCheck.problems(in: self)
        guard problems.isEmpty else {
            throw StorageError(code: SQLITE_CONSTRAINT, message: "bulk load broke constraints: \(problems.prefix(5).joined(separator: "; "))", sql: nil)
        }
        try built.get()
        return result
    }

    /// Runs a bulk load with the secondary indexes of `tables` dropped, then builds them again
    /// from their own stored SQL: one sort per index instead of a B-tree insert per row.
    /// Indexes that enforce UNIQUE come back as they were, so duplicates still fail. The
    /// `searchTriggers` are dropped too: the caller rebuilds their indexes in one pass each.
    func deferringIndexes<T>(of tables: [String], setAside searchTriggers: [(name: String, sql: String)], _ body: () throws -> T) throws -> T {
        let indexes = try storedSchema("index", on: tables)
        for index in indexes { try execute("DROP INDEX \"\(index.name)\"") }
        for trigger in searchTriggers { try execute("DROP TRIGGER \"\(trigger.name)\"") }
        let result = try body()
        for index in indexes { try execute(index.sql) }
        return result
    }

    /// The stored SQL of the indexes or triggers on `tables` (automatic indexes have none).
    func storedSchema(_ type: String, on tables: [String]) throws -> [(name: String, sql: String)] {
        let placeholders = tables.indices.map { "?\($0 + 2)" }.joined(separator: ", ")
        return try query("SELECT name, sql FROM sqlite_master WHERE type = ?1 AND sql IS NOT NULL AND tbl_name IN (\(placeholders))",
                         [.text(type)] + tables.map(SQLValue.text)) { (name: $0.text(0), sql: $0.text(1)) }
    }
}

extension Database {
    /// Every row whose parent is missing, one line each. Works with foreign keys off, which is
    /// when rows can lose their parents.
    func foreignKeyProblems() throws -> [String] {
        // WITHOUT ROWID tables have no rowid to name: the line says so instead of being NULL.
        try query("""
            SELECT "table" || ' row ' || coalesce(rowid, '(without rowid)') || ' has no parent in ' || parent FROM pragma_foreign_key_check
            """) { $0.text(0) }
    }
}

/// quick_check and foreign_key_check on a connection of their own thread.
final class ConstraintCheck: @unchecked Sendable {
    private let path: String
    private let done = DispatchSemaphore(value: 0)
    private var outcome: Result<[String], Error> = .success([])

    init(path: String) {
        self.path = path
    }

    func start() {
        Thread {
            self.outcome = Result { try Self.problems(in: Database(path: self.path, readOnly: true)) }
            self.done.signal()
        }.start()
    }

    static func problems(in database: Database) throws -> [String] {
        try database.query("PRAGMA quick_check") { $0.text(0) }.filter { $0 != "ok" } + database.foreignKeyProblems()
    }

    /// Waits for the check; the semaphore orders the thread's write before this read.
    func problems() throws -> [String] {
        done.wait()
        return try outcome.get()
    }
}
