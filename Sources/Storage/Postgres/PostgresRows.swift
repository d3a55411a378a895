import CPostgres
import Foundation

/// The PostgreSQL side of a `Statement`: its SQL, its bound values, and the rows of the
/// current execution: a whole result, or one row at a time when it streams.
final class PostgresRows {
    private weak var connection: PostgresConnection?
    let sql: String
    /// Whole-table reads (exports): rows one at a time, without the statement timeout.
    let streams: Bool
    /// A read, sent again on a new connection if the old one was lost.
    let resendable: Bool
    var parameters: [SQLValue] = []
    private var result: OpaquePointer?
    private var row: Int32 = -1
    private var started = false
    private var done = false
    /// Another statement ended this one before its last row: reading on would miss rows.
    private var detached = false

    /// Its names on the server: a statement the app keeps (not a stream) is parsed once per
    /// connection, and planned once where the server's plan cache finds a generic plan as good.
    private let prepared: PreparedNames?

    init(connection: PostgresConnection, sql: String, streams: Bool, resendable: Bool) {
        self.connection = connection
        self.sql = sql
        self.streams = streams
        self.resendable = resendable
        prepared = streams ? nil : PreparedNames()
    }

    deinit {
        if let prepared { connection?.release(prepared) }
        if let result { PQclear(result) }
        if started, streams, !done, !detached { try? connection?.finishStreaming(cancel: true) }
    }

    func bind(_ values: [SQLValue]) throws {
        try reset()
        parameters = values
    }

    func step() throws -> Bool {
        guard let connection else { throw StorageError(postgresState: "08003", message: "the connection is closed", sql: sql) }
        if detached { throw StorageError(postgresState: "08P01", message: "a query was ended by another statement before its last row", sql: sql) }
        if done { return false }
        if !started {
            started = true
            if streams {
                try connection.startStreaming(sql, parameters, rows: self)
            } else {
                result = try connection.query(sql, parameters, resendable: resendable, prepared: prepared)
                row = -1
            }
        }
        if !streams {
            row += 1
            if row < PQntuples(result) { return true }
            done = true
            return false
        }
        if let result { PQclear(result) }
        result = nil
        guard let next = connection.nextStreamedResult() else {
            done = true
            try connection.finishStreaming(cancel: false)
            return false
        }
        switch PQresultStatus(next) {
        case PGRES_SINGLE_TUPLE:
            result = next
            row = 0
            return true
        case PGRES_TUPLES_OK:
            PQclear(next)
            done = true
            try connection.finishStreaming(cancel: false)
            return false
        default:
            defer { PQclear(next) }
            let failure = Result { try connection.check(next, sql: sql) }
            done = true
            try connection.finishStreaming(cancel: false)
            try failure.get()
            throw connection.connectionError(sql: sql)
        }
    }

    func reset() throws {
        if let result { PQclear(result) }
        result = nil
        if started, streams, !done, !detached { try connection?.finishStreaming(cancel: true) }
        started = false
        done = false
        detached = false
        row = -1
    }

    /// The connection ended this query (another one started, or it reconnected).
    func detach() {
        if !done { detached = true }
    }

    var columnCount: Int32 { result.map(PQnfields) ?? 0 }

    func isNull(_ column: Int32) -> Bool {
        guard let result else { return true }
        return PQgetisnull(result, row, column) == 1
    }

    func bytes(_ column: Int32) -> UnsafeBufferPointer<UInt8> {
        guard let result, PQgetisnull(result, row, column) == 0, let value = PQgetvalue(result, row, column) else {
            return UnsafeBufferPointer(start: nil, count: 0)
        }
        return UnsafeRawPointer(value).withMemoryRebound(to: UInt8.self, capacity: 1) {
            UnsafeBufferPointer(start: $0, count: Int(PQgetlength(result, row, column)))
        }
    }

    private var columnType: (Int32) -> Oid { { [result] column in result.map { PQftype($0, column) } ?? 0 } }

    func int(_ column: Int32) -> Int {
        let text = bytes(column)
        if columnType(column) == 16 { return text.first == UInt8(ascii: "t") ? 1 : 0 }
        var value = 0
        var negative = false
        for byte in text {
            if byte == UInt8(ascii: "-") { negative = true; continue }
            guard byte >= 48 && byte <= 57 else { break }
            value = value &* 10 &+ Int(byte - 48)
        }
        return negative ? -value : value
    }

    func double(_ column: Int32) -> Double {
        Double(String(decoding: bytes(column), as: UTF8.self)) ?? 0
    }

    func name(_ column: Int32) -> String? {
        guard let result, let name = PQfname(result, column) else { return nil }
        return String(cString: name)
    }

    func value(_ column: Int32) -> SQLValue {
        if isNull(column) { return .null }
        switch columnType(column) {
        case 16, 20, 21, 23: return .integer(Int64(int(column)))
        case 700, 701: return .real(double(column))
        case 1700:
            let text = String(decoding: bytes(column), as: UTF8.self)
            if let integer = Int64(text) { return .integer(integer) }
            return .real(Double(text) ?? 0)
        default: return .text(String(decoding: bytes(column), as: UTF8.self))
        }
    }
}
