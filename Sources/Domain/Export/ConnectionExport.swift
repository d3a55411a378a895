import Foundation
import Storage

/// Writes the rows a table state selects, all pages of them in the table's order, as CSV
/// (streamed) or XLSX (built in a file, then sent).
public struct ConnectionExport {
    let database: Database
    /// The invite link for a token.
    let inviteURL: @Sendable (String) -> String

    public init(database: Database, inviteURL: @escaping @Sendable (String) -> String) {
        self.database = database
        self.inviteURL = inviteURL
    }

    /// What happened: how many rows, and whether the file holds them all.
    public struct Outcome: Sendable {
        public let rows: Int
        public let complete: Bool
        public let problem: String?

        public init(rows: Int, complete: Bool, problem: String?) {
            self.rows = rows
            self.complete = complete
            self.problem = problem
        }

        /// The server stopped it (a restart's grace period ran out).
        public var stoppedByServer: Bool { problem == ConnectionExport.stoppedByServer }
    }

    public static let stoppedByServer = "the server stopped before the export finished"

    /// A failure of `send`: the client is gone, nobody reads a marker.
    struct SendFailure: Error {
        let underlying: Error
    }

    public static let chunkBytes = 64 * 1024

    /// Streams CSV to `send` in chunks. A failure part way, or `shouldStop` turning true (the server
    /// is stopping), ends the file with a line saying it is incomplete. `failAfter` stops after that
    /// many rows, for the tests of that line.
    public func csv(_ state: TableState, columns: [Column], organizations: [Int], byteOrderMark: Bool, failAfter: Int? = nil,
                    shouldStop: () -> Bool = { false }, send: ([UInt8]) throws -> Void) throws -> Outcome {
        var writer = CSVWriter()
        if byteOrderMark { writer.byteOrderMark() }
        writer.record(columns.map(Self.label))
        let kinds = columns.map(\.kind)
        return try stream(state, columns: columns, organizations: organizations, writer: &writer, failAfter: failAfter, shouldStop: shouldStop,
                          send: send, row: { row, writer in
            for (index, kind) in kinds.enumerated() {
                writer.separate(index)
                appendCSV(row, ConnectionTable.RowLayout.cellColumn(index), kind: kind, to: &writer)
            }
            writer.endRecord()
        }, incomplete: { rows, writer in
            writer.record(["EXPORT INCOMPLETE: an error stopped the export after \(rows) rows. Do not use this file; export again."])
        })
    }

    /// Streams NDJSON: one object per row (`id`, then each column by its key), each on its own line.
    /// A failure part way ends the stream with `{"incomplete":true,…}` instead of a row.
    public func ndjson(_ state: TableState, columns: [Column], organizations: [Int], failAfter: Int? = nil,
                       shouldStop: () -> Bool = { false }, send: ([UInt8]) throws -> Void) throws -> Outcome {
        var writer = NDJSONWriter(columns: columns)
        return try stream(state, columns: columns, organizations: organizations, writer: &writer, failAfter: failAfter, shouldStop: shouldStop,
                          send: send, row: { row, writer in writer.record(row, inviteURL: inviteURL) }, incomplete: { rows, writer in
            writer.incomplete("an error stopped the export after \(rows) rows. Do not use this file; export again.", rows: rows)
        })
    }

    /// The rows in the table's order through `row` into the writer's buffer, sent in chunks; the
    /// header (already in the buffer) goes at once, so the download starts while SQLite sorts.
    func stream<Writer: ExportBuffer>(_ state: TableState, columns: [Column], organizations: [Int], writer: inout Writer, failAfter: Int?,
                                      shouldStop: () -> Bool, send: ([UInt8]) throws -> Void,
                                      row: (Statement, inout Writer) -> Void, incomplete: (Int, inout Writer) -> Void) throws -> Outcome {
        var rows = 0
        func flush() throws {
            do { try send(writer.buffer) } catch { throw SendFailure(underlying: error) }
            writer.buffer.removeAll(keepingCapacity: true)
        }
        do {
            try flush()
            try ConnectionTable(database: database).forEachStoredRow(state, columns: columns, organizations: organizations) { statement in
                if let failAfter, rows >= failAfter { throw ExportError(message: "stopped for a test after \(failAfter) rows") }
                if shouldStop() { throw ExportError(message: Self.stoppedByServer) }
                row(statement, &writer)
                rows += 1
                if writer.buffer.count >= Self.chunkBytes { try flush() }
            }
            try flush()
            return Outcome(rows: rows, complete: true, problem: nil)
        } catch let failure as SendFailure {
            throw failure.underlying
        } catch {
            let reason = (error as? ExportError)?.message ?? "\(error)"
            incomplete(rows, &writer)
            try? send(writer.buffer)
            return Outcome(rows: rows, complete: false, problem: reason)
        }
    }

    /// A cell straight from the statement, without a string in between: a million rows a go.
    func appendCSV(_ row: Statement, _ index: Int32, kind: ColumnKind, to writer: inout CSVWriter) {
        switch kind {
        case .number, .identifier:
            writer.number(row.int(index))
        case .inviteLink:
            var link = inviteURL(row.text(index))
            link.withUTF8 { writer.append($0, guarded: false) }
        case .date:
            row.withBytes(index) { writer.dateTime($0) }
        case .text, .enumeration, .list:
            // A list is stored one item per line, as the file shows it.
            row.withBytes(index) { writer.append($0, guarded: true) }
        }
    }

    /// Writes an XLSX workbook to `path`: numbers as numbers, dates as dates, a bold frozen
    /// header with an autofilter. The caller checks the row limit first.
    /// An incomplete outcome when `shouldStop` turned true: the caller sends no partial workbook.
    public func xlsx(_ state: TableState, columns: [Column], organizations: [Int], to path: String, temporaryDirectory: String,
                     shouldStop: () -> Bool = { false }) throws -> Outcome {
        let writer = try XLSXWriter(path: path, temporaryDirectory: temporaryDirectory)
        writer.header(columns.map(Self.label), widths: columns.map(Self.width))
        var rows = 0
        do {
            try ConnectionTable(database: database).forEachRow(state, columns: columns, organizations: organizations) { row in
                guard rows < ExportSettings.xlsxRowLimit else {
                    throw ExportError(message: "XLSX holds at most \(ExportSettings.xlsxRowLimit) rows; export CSV instead.")
                }
                if shouldStop() { throw ExportError(message: Self.stoppedByServer) }
                writer.append(row.cells.map(xlsxCell))
                rows += 1
            }
        } catch let error as ExportError where error.message == Self.stoppedByServer {
            try? writer.close()
            return Outcome(rows: rows, complete: false, problem: error.message)
        }
        try writer.close()
        return Outcome(rows: rows, complete: true, problem: nil)
    }

    /// Text a spreadsheet would run as a formula is written as it is, in a cell formatted as text:
    /// never a formula, and still text when a user edits it. A list wraps, one item per line.
    func xlsxCell(_ cell: CellValue) -> XLSXWriter.Cell {
        switch cell {
        case .text(let text), .choice(let text): return .text(text, guarded: FormulaGuard.needsGuard(text), wrapped: false)
        case .number(let number), .identifier(let number): return .number(number)
        case .list(let items):
            let text = items.joined(separator: "\n")
            return .text(text, guarded: FormulaGuard.needsGuard(text), wrapped: true)
        case .date(let stored): return .date(stored)
        case .inviteToken(let token): return .text(inviteURL(token), guarded: false, wrapped: false)
        }
    }

    /// A column's header in a file: dates are written in UTC, and say so.
    static func label(_ column: Column) -> String {
        column.kind == .date ? column.label + " (UTC)" : column.label
    }

    static func width(_ column: Column) -> Double {
        switch column.kind {
        case .number, .identifier: return 12
        case .date: return 18
        case .enumeration: return 22
        case .list: return 36
        case .inviteLink: return 60
        case .text: return 30
        }
    }
}
