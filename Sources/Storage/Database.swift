import CSQLite
import Foundation
import Observability

/// One connection to the database: a SQLite file or a PostgreSQL server. Not shared between
/// threads: each FastCGI worker opens its own. Statements are `SQLFragment`s, rendered for the
/// connection's `dialect`; reads (`query`, `scalar`, `prepare`) may be sent again on a new
/// connection after a lost one, writes (`run`, `insertReturningID`, `change`) never are.
public final class Database {
    enum Engine {
        case sqlite(OpaquePointer)
        case postgres(PostgresConnection)
    }

    let engine: Engine
    public let location: DatabaseLocation
    private let busyTimeoutMilliseconds: Int32
    private var statementCache = StatementCache(capacity: Database.statementCacheCapacity)
    /// Prepared statements kept per connection. Filters make new SQL text for every combination
    /// of columns and conditions, so an unbounded cache grows with each one a user tries; the
    /// least recently used statement goes when the cache is full. The hot queries stay.
    public static let statementCacheCapacity = 64
    /// How long a page's statement may run on PostgreSQL before it is cancelled (a runaway filter
    /// must not hold a worker); whole-table reads (exports) have no limit.
    public static let defaultStatementTimeoutMilliseconds = 10_000
    private var resultCache: (stamp: ChangeStamp, values: [String: Any]) = (ChangeStamp(data: -1, snapshot: nil, own: -1), [:])

    /// SQLite's memory statistics take a process-wide mutex on every allocation, which the
    /// worker threads would contend for; nothing here reads them.
    private static let configured: Bool = csqlite_disable_memory_statistics() == SQLITE_OK

    /// Shared by the connections of one process; nil: no limit (command-line tools, tests).
    private let writeGate: WriteGate?

    /// The current request's logger (its id in every line), set by the web layer per request;
    /// Domain logs through it too. Outside a request: the process's.
    public var logger = Logs.process

    /// Opens a SQLite file or connects to PostgreSQL; a connection that cannot be made throws a
    /// StorageError whose message is one line naming where (never the password).
    public convenience init(location: DatabaseLocation, readOnly: Bool = false, busyTimeoutMilliseconds: Int32 = 5000,
                            statementTimeoutMilliseconds: Int = Database.defaultStatementTimeoutMilliseconds,
                            writeGate: WriteGate? = nil) throws {
        switch location {
        case .sqlite(let path):
            try self.init(path: path, readOnly: readOnly, busyTimeoutMilliseconds: busyTimeoutMilliseconds, writeGate: writeGate)
        case .postgres(let uri):
            let connection = try PostgresConnection(uri: uri, statementTimeoutMilliseconds: statementTimeoutMilliseconds,
                                                    lockTimeoutMilliseconds: Int(busyTimeoutMilliseconds))
            self.init(engine: .postgres(connection), location: location, busyTimeoutMilliseconds: busyTimeoutMilliseconds, writeGate: writeGate)
        }
    }

    private init(engine: Engine, location: DatabaseLocation, busyTimeoutMilliseconds: Int32, writeGate: WriteGate?) {
        self.engine = engine
        self.location = location
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        self.writeGate = writeGate
    }

    public convenience init(path: String, readOnly: Bool = false, busyTimeoutMilliseconds: Int32 = 5000, writeGate: WriteGate? = nil) throws {
        _ = Self.configured
        var pointer: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &pointer, flags, nil)
        guard rc == SQLITE_OK, let pointer else {
            let message = pointer.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(pointer)
            throw StorageError(code: rc, message: "cannot open \(path): \(message)", sql: nil)
        }
        self.init(engine: .sqlite(pointer), location: .sqlite(path: path), busyTimeoutMilliseconds: busyTimeoutMilliseconds, writeGate: writeGate)
        sqlite3_extended_result_codes(handle, 1)
        sqlite3_busy_timeout(handle, busyTimeoutMilliseconds)
        let registered = TextFolding.register(on: handle)
        guard registered == SQLITE_OK else { throw StorageError(code: registered, message: "cannot register fold()", sql: nil) }
        let hashing = SQLFunctions.register(on: handle)
        guard hashing == SQLITE_OK else { throw StorageError(code: hashing, message: "cannot register sha256_hex()", sql: nil) }
        try execute("PRAGMA foreign_keys = ON")
        if !readOnly { try execute(Self.durableWrites) }
        // Sorts too big for memory (an export of every row) merge on a second core.
        try execute("PRAGMA threads = 2")
    }

    public var dialect: SQLDialect {
        switch engine {
        case .sqlite: return .sqlite
        case .postgres: return .postgres
        }
    }

    /// The SQLite file's path; for PostgreSQL, its URI without a password (for messages).
    public var path: String {
        switch location {
        case .sqlite(let path): return path
        case .postgres: return location.description
        }
    }

    /// The SQLite handle. Only SQLite's own maintenance (bulk loads, pragmas) reaches for it.
    var handle: OpaquePointer {
        guard case .sqlite(let handle) = engine else { preconditionFailure("a SQLite-only operation on \(location)") }
        return handle
    }

    /// WAL, synced at every commit. With synchronous = NORMAL, WAL syncs only at checkpoints, so
    /// commits a user already saw succeed can be lost in a power failure or an OS crash; FULL
    /// syncs the WAL before each commit returns, at the cost of one fsync per write transaction.
    /// Every read-write connection uses it; only a bulk load turns syncing off while it runs.
    static let durableWrites = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL"

    deinit {
        statementCache = StatementCache(capacity: 0)
        if case .sqlite(let handle) = engine { sqlite3_close_v2(handle) }
    }

    /// Runs one or more statements without parameters (schema, pragmas).
    public func execute(_ sql: String) throws {
        switch engine {
        case .postgres(let connection):
            try connection.execute(sql)
        case .sqlite(let handle):
            var message: UnsafeMutablePointer<CChar>?
            let rc = sqlite3_exec(handle, sql, nil, nil, &message)
            if rc != SQLITE_OK {
                let text = message.map { String(cString: $0) } ?? "unknown error"
                sqlite3_free(message)
                throw StorageError(code: sqlite3_extended_errcode(handle), message: text, sql: sql)
            }
        }
    }

    /// A new read, owned by the caller: for reading every row of a large result (on PostgreSQL it
    /// streams them, one at a time, without the statement timeout).
    public func prepare(_ sql: SQLFragment, _ parameters: [SQLValue] = []) throws -> Statement {
        statementsRun += 1
        let statement = sql.rendered(for: dialect, parameters: parameters)
        return try makeStatement(statement.sql, streams: true, resendable: true).bind(statement.parameters)
    }

    /// `resendable`: the statement only reads, so it may be sent again after a lost connection
    /// (checked against SQLite's own view of it in debug builds).
    private func makeStatement(_ sql: String, streams: Bool, resendable: Bool) throws -> Statement {
        switch engine {
        case .postgres(let connection):
            return Statement(postgres: PostgresRows(connection: connection, sql: sql, streams: streams, resendable: resendable), sql: sql)
        case .sqlite(let handle):
            var pointer: OpaquePointer?
            let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &pointer, nil)
            guard rc == SQLITE_OK, let pointer else {
                throw StorageError(code: sqlite3_extended_errcode(handle), message: String(cString: sqlite3_errmsg(handle)), sql: sql)
            }
            // SQLite's own pragmas (SQLite only, never resent) count as writes to it even when they read.
            assert(!resendable || sqlite3_stmt_readonly(pointer) != 0 || sql.hasPrefix("PRAGMA"), "a write run as a read: \(sql)")
            return Statement(handle: pointer, sql: sql)
        }
    }

    /// A statement prepared once per connection and reused (the hot queries), for its rendered text.
    func cached(_ sql: String, resendable: Bool) throws -> Statement {
        statementsRun += 1
        if let statement = statementCache.statement(for: sql) {
            Telemetry.cache("statements", hit: true)
            return statement
        }
        Telemetry.cache("statements", hit: false)
        let statement = try makeStatement(sql, streams: false, resendable: resendable)
        statementCache.insert(statement, for: sql)
        return statement
    }

    /// The cached statement of `sql` rendered for this database, with its values bound.
    private func cached(_ sql: SQLFragment, _ parameters: [SQLValue], resendable: Bool) throws -> Statement {
        let statement = sql.rendered(for: dialect, parameters: parameters)
        return try cached(statement.sql, resendable: resendable).bind(statement.parameters)
    }

    /// How many prepared statements this connection keeps.
    public var cachedStatementCount: Int { statementCache.count }

    /// Statements handed out (cached or prepared) since the connection opened: how tests bound
    /// the queries an operation makes (one per list, not one per row).
    public private(set) var statementsRun = 0

    /// Runs one parameterized write that returns no rows.
    public func run(_ sql: SQLFragment, _ parameters: [SQLValue] = []) throws {
        let statement = try cached(sql, parameters, resendable: false)
        try timed("write", sql: statement.sql) { try statement.run() }
    }

    /// Inserts one row and returns its new id (the table's `id` column).
    public func insertReturningID(_ sql: SQLFragment, _ parameters: [SQLValue] = []) throws -> Int {
        let statement = try cached(sql + " RETURNING id", parameters, resendable: false)
        defer { statement.reset() }
        guard try timed("write", sql: statement.sql, { try statement.step() }) else {
            throw StorageError(code: SQLITE_ERROR, message: "the insert returned no id", sql: statement.sql)
        }
        return statement.int(0)
    }

    /// Maps every row of a parameterized read.
    public func query<Row>(_ sql: SQLFragment, _ parameters: [SQLValue] = [], row: (Statement) throws -> Row) throws -> [Row] {
        try rows(of: cached(sql, parameters, resendable: true), kind: "read", row)
    }

    /// Maps every row a write returns (`UPDATE ... RETURNING`): never sent twice.
    public func change<Row>(_ sql: SQLFragment, _ parameters: [SQLValue] = [], row: (Statement) throws -> Row) throws -> [Row] {
        try rows(of: cached(sql, parameters, resendable: false), kind: "write", row)
    }

    private func rows<Row>(of statement: Statement, kind: String, _ row: (Statement) throws -> Row) throws -> [Row] {
        defer { statement.reset() }
        return try timed(kind, sql: statement.sql) {
            var rows: [Row] = []
            while try statement.step() { rows.append(try row(statement)) }
            return rows
        }
    }

    /// The first column of the first row of a read, if any.
    public func scalar(_ sql: SQLFragment, _ parameters: [SQLValue] = []) throws -> SQLValue? {
        let statement = try cached(sql, parameters, resendable: true)
        defer { statement.reset() }
        return try timed("read", sql: statement.sql) { try statement.step() ? statement.value(0) : nil }
    }

    public func scalarInt(_ sql: SQLFragment, _ parameters: [SQLValue] = []) throws -> Int {
        guard case .integer(let value)? = try scalar(sql, parameters) else { return 0 }
        return Int(value)
    }

    /// Inserts several rows with one statement: "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)".
    /// `table` and `columns` are the caller's constants, never user input.
    public func insertRows(into table: String, columns: [String], rows: [[SQLValue]]) throws {
        guard !rows.isEmpty else { return }
        var values: SQLFragment = ""
        for (index, row) in rows.enumerated() { values += (index == 0 ? "" : ", ") + .list(row) }
        try run("INSERT INTO \(raw: table) (\(raw: columns.joined(separator: ", "))) VALUES \(values)")
    }

    /// Changes whenever this connection or another one commits to the database.
    struct ChangeStamp: Equatable {
        let data: Int
        /// PostgreSQL's: the snapshot of committed transactions, which any commit on any host changes.
        let snapshot: String?
        let own: Int64
    }

    func changeStamp() throws -> ChangeStamp {
        switch engine {
        case .sqlite(let handle):
            return ChangeStamp(data: try requestDataVersion?.data ?? scalarInt("PRAGMA data_version"), snapshot: nil, own: sqlite3_total_changes64(handle))
        case .postgres(let connection):
            guard var version = requestDataVersion else { return ChangeStamp(data: 0, snapshot: try committedSnapshot(), own: connection.writes) }
            if version.snapshot == nil {
                version.snapshot = try committedSnapshot()
                requestDataVersion = version
            }
            return ChangeStamp(data: 0, snapshot: version.snapshot, own: connection.writes)
        }
    }

    /// PostgreSQL's current snapshot (oldest running transaction : next transaction id : those
    /// running). A transaction that commits leaves the running list or moves the next id on, so
    /// two equal snapshots mean nothing was committed in between, on any host; reading it takes
    /// no lock and writes nothing.
    private func committedSnapshot() throws -> String {
        guard case .text(let snapshot)? = try scalar("SELECT pg_current_snapshot()::text") else { return "" }
        return snapshot
    }

    /// Other connections' commits, as seen when the current request began: one check per
    /// request instead of one per remembered value. Our own writes still count at once. On
    /// PostgreSQL the snapshot is read when the request first asks for a remembered value (a round
    /// trip that most writes, such as a join, never need).
    private var requestDataVersion: (data: Int, snapshot: String?)?

    /// Call when a request begins and ends: values remembered within it check for other
    /// connections' changes once. On PostgreSQL this is also where a broken connection is made
    /// again, so a worker serves as soon as the server is back.
    public func beginRequest() throws {
        switch engine {
        case .sqlite: requestDataVersion = (try scalarInt("PRAGMA data_version"), nil)
        case .postgres(let connection):
            try connection.finishStreaming(cancel: true)
            try connection.reconnectIfBroken()
            requestDataVersion = (0, nil)
        }
    }

    public func endRequest() {
        requestDataVersion = nil
    }

    /// `scalarInt`, remembered until the database changes: counts over many rows cost a scan,
    /// while checking for a change costs one pragma.
    public func rememberedScalarInt(_ sql: SQLFragment, _ parameters: [SQLValue] = []) throws -> Int {
        let statement = sql.rendered(for: dialect, parameters: parameters)
        let key = ([statement.sql] + statement.parameters.map { "\($0)" }).joined(separator: "\u{1F}")
        return try remembered(key) { try scalarInt(sql, parameters) }
    }

    /// A value read from the database, kept until this or another connection commits a change.
    /// `key` must name everything the value depends on besides the database's contents.
    public func remembered<Value>(_ key: String, _ compute: () throws -> Value) throws -> Value {
        let stamp = try changeStamp()
        if stamp != resultCache.stamp { resultCache = (stamp, [:]) }
        // Unwrap the dictionary's optional first: a missing key would otherwise cast to a nil Value.
        if let stored = resultCache.values[key], let value = stored as? Value {
            Telemetry.cache("remembered", hit: true)
            return value
        }
        Telemetry.cache("remembered", hit: false)
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

    /// BEGIN IMMEDIATE, unless the write gate says the lock is stuck with another program: then
    /// busy at once, so that this worker goes back to serving reads.
    private func beginWriting(locking keys: [LockKey]) throws {
        if case .postgres(let connection) = engine { return try beginWriting(on: connection, locking: keys) }
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

    /// PostgreSQL: a transaction that first takes the advisory locks of `keys` (what its rule
    /// reads), so writers of different connections, organizations and users run side by side and
    /// only writers of the same thing take turns. Rows are locked by the writes themselves; every
    /// wait, for a key or a row, ends at lock_timeout (55P03, busy). The write gate works as on
    /// SQLite: patient writers wait up to the busy timeout; others wait in slices of
    /// `WriteGate.stuckAfter` (each a blocking wait, no polling) while locks move, and answer busy
    /// once they are stuck elsewhere.
    private func beginWriting(on connection: PostgresConnection, locking keys: [LockKey]) throws {
        let admission = writeGate?.admit() ?? .patient(ContinuousClock.now)
        let locks = LockKey.advisoryLocks(keys)
        func begin(waitingAtMost slice: Int32?) throws {
            // The slice bounds the wait for the keys; the body's waits keep the busy timeout.
            let statements = ["BEGIN", slice.map { "SET LOCAL lock_timeout = \(min($0, busyTimeoutMilliseconds))" }, locks.isEmpty ? nil : locks,
                              slice.map { _ in "SET LOCAL lock_timeout = \(busyTimeoutMilliseconds)" }]
            do {
                // Nothing is done if the connection was lost before the BEGIN: it may be sent again.
                try connection.execute(statements.compactMap { $0 }.joined(separator: "; "), resendable: true)
                connection.inTransaction = true
            } catch {
                try? connection.execute("ROLLBACK")
                throw error
            }
        }
        switch admission {
        case .refused:
            throw StorageError(postgresState: "55P03", message: "the write locks have been held elsewhere for a while", sql: nil)
        case .patient(let since):
            defer { writeGate?.leave(since) }
            try begin(waitingAtMost: nil)
        case .ordinary:
            let deadline = ContinuousClock.now + .milliseconds(Int(busyTimeoutMilliseconds))
            while true {
                do {
                    try begin(waitingAtMost: WriteGate.stuckAfterMilliseconds)
                    break
                } catch let error as StorageError where error.isBusy {
                    if writeGate?.lockIsStuck ?? false || ContinuousClock.now >= deadline { throw error }
                }
            }
        }
        writeGate?.lockMoved()
    }

    /// Inside a transaction: takes more keys, for a rule whose subject is known only from a row the
    /// transaction read (a host's digest). Taken after the transaction's own keys, so only keys that
    /// no transaction takes before others (see `LockKey`) belong here. Nothing on SQLite.
    public func lock(_ keys: [LockKey]) throws {
        guard case .postgres(let connection) = engine, !keys.isEmpty else { return }
        precondition(connection.inTransaction, "lock(_:) outside a transaction")
        try connection.execute(LockKey.advisoryLocks(keys))
    }

    private func withBusyTimeout<T>(_ milliseconds: Int32, _ body: () throws -> T) rethrows -> T {
        switch engine {
        case .sqlite(let handle):
            sqlite3_busy_timeout(handle, min(milliseconds, busyTimeoutMilliseconds))
            defer { sqlite3_busy_timeout(handle, busyTimeoutMilliseconds) }
            return try body()
        case .postgres(let connection):
            // lock_timeout = 0 means no limit on PostgreSQL: the shortest wait is 1 ms.
            try? connection.execute("SET lock_timeout = \(max(1, min(milliseconds, busyTimeoutMilliseconds)))", resendable: true)
            defer { try? connection.execute("SET lock_timeout = \(busyTimeoutMilliseconds)", resendable: true) }
            return try body()
        }
    }

    /// Runs `body` in a write transaction taken up front, so two writers never deadlock upgrading
    /// read locks; rolls back on error. `keys` name what the body's rules read before they write
    /// (a connection's requests, an organization's names): on PostgreSQL the transaction holds
    /// their locks from its start to its end; on SQLite the one write lock (BEGIN IMMEDIATE)
    /// covers everything. `[]`: the body's writes need no more than their own rows' locks.
    ///
    /// Called inside another transaction (a command run as one of a batch, e.g. an import), the
    /// body joins it: its keys are taken too (`lock`) and its error rolls the whole batch back when
    /// it reaches the outer transaction, so a batch is all or none.
    public func transaction<T>(locking keys: [LockKey], _ body: () throws -> T) throws -> T {
        if transactionDepth > 0 {
            try lock(keys)
            transactionDepth += 1
            defer { transactionDepth -= 1 }
            return try body()
        }
        let asked = ContinuousClock.now
        do {
            try timed("begin", sql: "BEGIN") { try beginWriting(locking: keys) }
            Telemetry.writeGate(waited: ContinuousClock.now - asked, refused: false)
        } catch let error as StorageError where error.isBusy {
            Telemetry.writeGate(waited: ContinuousClock.now - asked, refused: true)
            throw error
        }
        transactionDepth = 1
        defer { transactionDepth = 0 }
        do {
            let result = try body()
            try execute("COMMIT")
            endTransaction()
            return result
        } catch {
            try? execute("ROLLBACK")
            endTransaction()
            throw error
        }
    }

    /// How many `transaction` calls are open on this connection (a batch's commands join the outer one).
    private var transactionDepth = 0

    private func endTransaction() {
        if case .postgres(let connection) = engine { connection.inTransaction = false }
    }

    /// Runs `body` without PostgreSQL's statement timeout (maintenance that takes as long as it takes).
    public func withoutStatementTimeout<T>(_ body: () throws -> T) throws -> T {
        guard case .postgres(let connection) = engine else { return try body() }
        try connection.execute("SET statement_timeout = 0", resendable: true)
        defer { try? connection.execute("SET statement_timeout = \(connection.statementTimeoutMilliseconds)", resendable: true) }
        return try body()
    }

    /// Copies rows into a PostgreSQL table with COPY.
    func copy(into table: String, columns: [String], _ produce: (PostgresCopyWriter) throws -> Void) throws {
        guard case .postgres(let connection) = engine else { preconditionFailure("COPY is PostgreSQL's") }
        try connection.copy(into: table, columns: columns, produce)
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
        let result = try transaction(locking: []) { try deferringIndexes(of: tables, setAside: searchTriggers, body) }
        try execute("PRAGMA journal_mode = WAL")  // so the check reads while the search indexes are written
        // An in-memory database has no second connection: it checks after the build instead.
        let check = path == ":memory:" || path.isEmpty ? nil : ConstraintCheck(path: path)
        check?.start()
        let built = Result {
            try transaction(locking: []) {
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
        try query("SELECT name, sql FROM sqlite_master WHERE type = \(p: 1) AND sql IS NOT NULL AND tbl_name IN \(SQLFragment.list(tables.map(SQLValue.text)))",
                  [.text(type)]) { (name: $0.text(0), sql: $0.text(1)) }
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
