import CPostgres
import CSQLite
import Foundation

/// One libpq connection. Not shared between threads: each worker opens its own. When the server
/// goes away (a restart, a failover) the connection is opened again at the next statement, so a
/// worker serves again as soon as the database is back; a read that finds the connection broken
/// is tried once more on the new one, a write is not (it may have been done).
final class PostgresConnection {
    private var handle: OpaquePointer
    /// For messages only: `location` is the URI without its password.
    let location: String
    private let uri: String
    let statementTimeoutMilliseconds: Int
    let lockTimeoutMilliseconds: Int
    /// Inside BEGIN ... COMMIT: a broken connection there fails the transaction, never retried.
    var inTransaction = false
    /// Statements this connection ran that may have changed data.
    private(set) var writes: Int64 = 0
    /// A single-row-mode query is still delivering rows: nothing else may run until it is ended.
    private var isStreaming = false
    /// Its rows, told when another statement ends it. Weak: rows let go of mid-way end it themselves.
    private weak var streamingRows: PostgresRows?

    static let connectTimeoutSeconds = 3

    init(uri: String, statementTimeoutMilliseconds: Int, lockTimeoutMilliseconds: Int) throws {
        location = DatabaseLocation.withoutPassword(uri)
        self.statementTimeoutMilliseconds = statementTimeoutMilliseconds
        self.lockTimeoutMilliseconds = lockTimeoutMilliseconds
        // The URI's own settings win over these defaults (libpq reads them in order). Keepalives and
        // tcp_user_timeout notice a server that vanished without closing the connection (power
        // lost, a network cut) within seconds, where TCP alone would wait many minutes.
        let defaults = [("connect_timeout", String(Self.connectTimeoutSeconds)), ("application_name", "connections"),
                        ("keepalives_idle", "10"), ("keepalives_interval", "5"), ("keepalives_count", "3"), ("tcp_user_timeout", "15000")]
        let keywords = defaults.map(\.0) + ["dbname"]
        let values = defaults.map(\.1) + [uri]
        self.uri = uri
        handle = Self.withCStrings(keywords) { keywordPointers in
            Self.withCStrings(values) { valuePointers in PQconnectdbParams(keywordPointers, valuePointers, 1) }
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            // deinit closes the handle.
            throw StorageError(postgresState: "08001", message: "cannot connect to PostgreSQL at \(location): "
                               + serverMessage(), sql: nil)
        }
        try configureSession()
    }

    deinit { PQfinish(handle) }

    private func configureSession() throws {
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        try execute("SET statement_timeout = \(statementTimeoutMilliseconds); SET lock_timeout = \(lockTimeoutMilliseconds); "
                    + "SET client_encoding = 'UTF8'; SET standard_conforming_strings = on", resendable: true)
    }

    /// Opens the connection again if the server dropped it; unavailable if the server cannot be reached.
    func reconnectIfBroken() throws {
        guard PQstatus(handle) != CONNECTION_OK else { return }
        try reconnect()
    }

    private func reconnect() throws {
        if let last = lastFailedReconnect, ContinuousClock.now - last < .seconds(Self.reconnectPause.delay(after: failedReconnects)) {
            throw StorageError(postgresState: "08001", message: "PostgreSQL at \(location) could not be reached a moment ago", sql: nil)
        }
        isStreaming = false
        streamingRows?.detach()
        streamingRows = nil
        inTransaction = false
        session += 1
        unusedStatements = []
        PQreset(handle)
        guard PQstatus(handle) == CONNECTION_OK else {
            lastFailedReconnect = ContinuousClock.now
            failedReconnects += 1
            throw StorageError(postgresState: "08001", message: "PostgreSQL at \(location) cannot be reached: " + serverMessage(), sql: nil)
        }
        failedReconnects = 0
        try configureSession()
    }

    /// While the server cannot be reached, requests fail at once instead of each waiting for a
    /// connection attempt (up to connect_timeout against an address that does not answer).
    private var lastFailedReconnect: ContinuousClock.Instant?
    private var failedReconnects = 0
    /// Half a second after each failed attempt, flat: a server back up is found within it.
    static let reconnectPause = Backoff(first: 0.5, ceiling: 0.5)

    var isBroken: Bool { PQstatus(handle) != CONNECTION_OK }

    /// Runs statements without parameters (schema, settings, BEGIN/COMMIT). `resendable`: they
    /// change nothing if they fail on a lost connection (settings, BEGIN), so they are sent again.
    func execute(_ sql: String, resendable: Bool = false) throws {
        try finishStreaming()
        let retryable = !inTransaction && resendable
        if retryable { try reconnectIfBroken() }
        var result = PQexec(handle, sql)
        if retryable, lostConnection(result) {
            PQclear(result)
            try reconnect()
            result = PQexec(handle, sql)
        }
        defer { PQclear(result) }
        try check(result, sql: sql)
        if !resendable { writes += 1 }
    }

    /// Runs one statement and keeps its whole result (`PostgresRows` reads it). `resendable`: a read,
    /// sent again on a new connection if the old one was lost. `prepared`: the statement's names on
    /// the server (a statement the app keeps and runs again), else it is parsed and planned anew.
    func query(_ sql: String, _ parameters: [SQLValue], resendable: Bool, prepared: PreparedNames? = nil) throws -> OpaquePointer {
        try finishStreaming()
        let retryable = !inTransaction && resendable
        if retryable { try reconnectIfBroken() }
        if prepared != nil, !inTransaction { deallocateUnused() }
        var result = run(sql, parameters, prepared)
        if retryable, lostConnection(result) {
            PQclear(result)
            try reconnect()
            result = run(sql, parameters, prepared)
        }
        do {
            try check(result, sql: sql)
        } catch {
            PQclear(result)
            throw error
        }
        if !resendable { writes += 1 }
        return result!
    }

    private func run(_ sql: String, _ parameters: [SQLValue], _ prepared: PreparedNames?) -> OpaquePointer? {
        send(sql, parameters) { handle, types, values, lengths, formats in
            let count = Int32(types.count)
            guard let prepared else { return PQexecParams(handle, sql, count, types, values, lengths, formats, 0) }
            let name: String
            if let known = prepared.name(for: types, session: session) {
                name = known
            } else {
                preparedCount += 1
                name = "s\(preparedCount)"
                let result = PQprepare(handle, name, sql, count, types)
                // A statement the server refuses fails as it would have run: the caller checks the result.
                guard Self.succeeded(result) else { return result }
                PQclear(result)
                prepared.remember(name, for: types, session: session)
            }
            return PQexecPrepared(handle, name, count, values, lengths, formats, 0)
        }
    }

    /// The server's prepared statements belong to its session: a new one (after a reconnect) has none.
    private(set) var session = 0
    private var preparedCount = 0
    /// Prepared statements the app let go of (its statement cache holds a bounded number), freed on
    /// the server outside a transaction, where a failure could not end one.
    private var unusedStatements: [String] = []

    func release(_ names: PreparedNames) {
        guard names.session == session else { return }
        unusedStatements += names.all
    }

    private func deallocateUnused() {
        guard !unusedStatements.isEmpty else { return }
        let sql = unusedStatements.map { "DEALLOCATE \($0)" }.joined(separator: "; ")
        unusedStatements = []
        PQclear(PQexec(handle, sql))
    }

    /// Starts a query whose rows come one at a time (single-row mode): memory stays flat however
    /// many rows it returns. It runs without the statement timeout (exports read every row).
    func startStreaming(_ sql: String, _ parameters: [SQLValue], rows: PostgresRows) throws {
        try finishStreaming()
        if !inTransaction { try reconnectIfBroken() }
        try execute("SET statement_timeout = 0", resendable: true)
        let sent = send(sql, parameters) { handle, types, values, lengths, formats in
            PQsendQueryParams(handle, sql, Int32(types.count), types, values, lengths, formats, 0)
        }
        guard sent == 1 else {
            try? execute("SET statement_timeout = \(statementTimeoutMilliseconds)", resendable: true)
            throw connectionError(sql: sql)
        }
        PQsetSingleRowMode(handle)
        isStreaming = true
        streamingRows = rows
    }

    /// The next result of the streaming query; nil once it is complete.
    func nextStreamedResult() -> OpaquePointer? { PQgetResult(handle) }

    /// Ends the streaming query: cancels it unless `cancel` is false (its last row was read), reads
    /// what is left, and puts the statement timeout back. Another statement, or its rows let go of,
    /// end it mid-way: without the cancel, the rest of a million rows would be read first.
    func finishStreaming(cancel: Bool = true) throws {
        guard isStreaming else { return }
        isStreaming = false
        streamingRows?.detach()
        streamingRows = nil
        if cancel, let token = PQgetCancel(handle) {
            var buffer = [CChar](repeating: 0, count: 256)
            _ = PQcancel(token, &buffer, Int32(buffer.count))
            PQfreeCancel(token)
        }
        while let result = PQgetResult(handle) { PQclear(result) }
        if !isBroken { try execute("SET statement_timeout = \(statementTimeoutMilliseconds)", resendable: true) }
    }

    /// Binds parameters in binary format with their types: integers as int8, reals as float8, text
    /// as text, so that PostgreSQL never has to guess a parameter's type.
    private func send<Outcome>(_ sql: String, _ parameters: [SQLValue],
                               _ call: (OpaquePointer, [Oid], UnsafePointer<UnsafePointer<CChar>?>?,
                                        UnsafePointer<Int32>?, UnsafePointer<Int32>?) -> Outcome) -> Outcome {
        // Every value's bytes in one buffer, which outlives the call; a trailing byte keeps its
        // address non-nil, since a nil value pointer would mean NULL even for an empty text.
        var bytes: [UInt8] = []
        var offsets: [Int?] = [], types: [Oid] = [], lengths: [Int32] = []
        for parameter in parameters {
            let start = bytes.count
            switch parameter {
            case .null: types.append(0)
            case .integer(let value): types.append(20); withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
            case .real(let value): types.append(701); withUnsafeBytes(of: value.bitPattern.bigEndian) { bytes.append(contentsOf: $0) }
            case .text(let value): types.append(25); bytes.append(contentsOf: value.utf8)
            }
            offsets.append(parameter == .null ? nil : start)
            lengths.append(Int32(bytes.count - start))
        }
        bytes.append(0)
        let formats = [Int32](repeating: 1, count: parameters.count)
        return bytes.withUnsafeBufferPointer { buffer in
            let base = UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
            let values: [UnsafePointer<CChar>?] = offsets.map { $0.map { base + $0 } }
            return values.withUnsafeBufferPointer { call(handle, types, $0.baseAddress, lengths, formats) }
        }
    }

    /// Copies rows into `table` with COPY ... FROM STDIN; `produce` writes them with the writer.
    func copy(into table: String, columns: [String], _ produce: (PostgresCopyWriter) throws -> Void) throws {
        try finishStreaming()
        let sql = "COPY \(table) (\(columns.joined(separator: ", "))) FROM STDIN"
        let start = PQexec(handle, sql)
        guard PQresultStatus(start) == PGRES_COPY_IN else {
            defer { PQclear(start) }
            try check(start, sql: sql)
            throw connectionError(sql: sql)
        }
        PQclear(start)
        let writer = PostgresCopyWriter { [handle] bytes in
            bytes.withUnsafeBufferPointer { buffer in
                buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { PQputCopyData(handle, $0, Int32(buffer.count)) }
            } == 1
        }
        do {
            try produce(writer)
            guard writer.flush() else { throw connectionError(sql: sql) }
        } catch {
            _ = PQputCopyEnd(handle, "cancelled")
            while let result = PQgetResult(handle) { PQclear(result) }
            throw error
        }
        guard PQputCopyEnd(handle, nil) == 1 else { throw connectionError(sql: sql) }
        var failure: Error?
        while let result = PQgetResult(handle) {
            if failure == nil { failure = Result { try check(result, sql: sql) }.error }
            PQclear(result)
        }
        if let failure { throw failure }
        writes += 1
    }

    func check(_ result: OpaquePointer?, sql: String) throws {
        guard !Self.succeeded(result) else { return }
        guard let result, let state = Self.sqlState(result) else { throw connectionError(sql: sql) }
        throw StorageError(postgresState: state, message: Self.firstLine(String(cString: PQresultErrorMessage(result))), sql: sql)
    }

    /// The server's SQLSTATE; nil for a failure libpq found itself (the server closed the connection,
    /// a crash, a restart), which it reports without one, and before PQstatus says so.
    private static func sqlState(_ result: OpaquePointer) -> String? {
        cpostgres_sqlstate(result).map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Whether a failed statement met a connection that is gone (the server stopped, restarted or
    /// shut the session down): worth connecting again for, where nothing may have been done.
    private func lostConnection(_ result: OpaquePointer?) -> Bool {
        guard !Self.succeeded(result) else { return false }
        guard let result, !isBroken, let state = Self.sqlState(result) else { return true }
        return state.hasPrefix("08") || state.hasPrefix("57P")
    }

    func connectionError(sql: String?) -> StorageError {
        StorageError(postgresState: "08006", message: "lost the connection to PostgreSQL at \(location): " + serverMessage(), sql: sql)
    }

    static func succeeded(_ result: OpaquePointer?) -> Bool {
        guard let result else { return false }
        let status = PQresultStatus(result)
        return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_SINGLE_TUPLE
    }

    /// libpq's message, first line, with the URI's password taken out (libpq quotes a malformed URI).
    private func serverMessage() -> String {
        DatabaseLocation.redacting(Self.firstLine(String(cString: PQerrorMessage(handle))), passwordOf: uri)
    }

    static func firstLine(_ text: String) -> String {
        String(text.split(separator: "\n", omittingEmptySubsequences: true).first ?? "").trimmingCharacters(in: .whitespaces)
    }

    private static func withCStrings<T>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> T) -> T {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        let pointers = copies.map { UnsafePointer($0) } + [nil]
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}

private extension Result {
    var error: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

/// A statement's names on the server: one per list of parameter types it was run with (a NULL has
/// none and takes the type its place in the statement gives it, as it does when parsed anew), so each
/// run binds the types its statement was prepared for.
final class PreparedNames {
    private var names: [[Oid]: String] = [:]
    private(set) var session = -1

    func name(for types: [Oid], session: Int) -> String? {
        session == self.session ? names[types] : nil
    }

    func remember(_ name: String, for types: [Oid], session: Int) {
        if session != self.session { names = [:] }
        self.session = session
        names[types] = name
    }

    var all: [String] { Array(names.values) }
}
