import Foundation
import Storage

/// One connection's drivers as a file (`RosterColumn`: email, name, state, the answers to its
/// questions by their labels, joined, decided by), in request order: what an import reads back.
public struct Roster {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// The connection's name and questions, or not found.
    public func connection(_ id: Int) throws -> (organizationID: Int, name: String, questions: [String]) {
        guard let found = try database.query("SELECT org_id, name FROM connections WHERE id = \(p: 1)", [.init(id)], row: {
            (organizationID: $0.int(0), name: $0.text(1))
        }).first else { throw UserError.notFound("There is no connection with id \(id).") }
        let questions = try database.query("SELECT prompt FROM connection_questions WHERE connection_id = \(p: 1) ORDER BY position",
                                           [.init(id)]) { $0.text(0) }
        return (found.organizationID, found.name, questions)
    }

    /// Each driver's cells, in `RosterColumn.labels(questions:)` order, with which are dates.
    public func forEachRow(connectionID: Int, questions: [String], _ body: ([(text: String, isDate: Bool)]) throws -> Void) throws {
        let columns = RosterColumn.leading + RosterColumn.trailing
        let selected = SQLFragment.joined(columns.map(\.sql), separator: ", ")
        var answers: [Int: [Int: String]] = [:]
        for answer in try database.query("""
            SELECT a.membership_id, a.position, a.answer FROM membership_answers a JOIN memberships m ON m.id = a.membership_id
            WHERE m.connection_id = \(p: 1)
            """, [.init(connectionID)], row: { (id: $0.int(0), position: $0.int(1), text: $0.text(2)) }) {
            answers[answer.id, default: [:]][answer.position] = answer.text
        }
        let rows = try database.query("""
            SELECT m.id, \(selected) FROM memberships m JOIN drivers d ON d.id = m.driver_id LEFT JOIN users u ON u.id = m.decided_by_user_id
            WHERE m.connection_id = \(p: 1) ORDER BY m.requested_at, m.id
            """, [.init(connectionID)]) { row in (id: row.int(0), cells: columns.indices.map { row.isNull(Int32($0 + 1)) ? "" : row.text(Int32($0 + 1)) }) }
        let leading = RosterColumn.leading.count
        for row in rows {
            var cells = zip(row.cells, columns).map { (text: $0, isDate: $1.isDate) }
            let given = answers[row.id] ?? [:]
            cells.insert(contentsOf: questions.indices.map { (text: given[$0] ?? "", isDate: false) }, at: leading)
            try body(cells)
        }
    }

    /// The roster as CSV (UTF-8 with a byte-order mark, so spreadsheets read its accents).
    public func csv(connectionID: Int) throws -> [UInt8] {
        let questions = try connection(connectionID).questions
        var writer = CSVWriter()
        writer.byteOrderMark()
        writer.record(RosterColumn.labels(questions: questions))
        try forEachRow(connectionID: connectionID, questions: questions) { cells in
            for (index, cell) in cells.enumerated() {
                writer.separate(index)
                var text = cell.text
                text.withUTF8 { cell.isDate ? writer.dateTime($0) : writer.append($0, guarded: false) }
            }
            writer.endRecord()
        }
        return writer.buffer
    }

    /// The roster as an XLSX workbook written to `path`.
    public func xlsx(connectionID: Int, to path: String, temporaryDirectory: String) throws {
        let questions = try connection(connectionID).questions
        let writer = try XLSXWriter(path: path, temporaryDirectory: temporaryDirectory, sheetName: "Drivers")
        let labels = RosterColumn.labels(questions: questions)
        writer.header(labels, widths: labels.map { _ in 28 })
        try forEachRow(connectionID: connectionID, questions: questions) { cells in
            writer.append(cells.map { $0.isDate && !$0.text.isEmpty ? .date($0.text) : .text($0.text, guarded: true, wrapped: false) })
        }
        try writer.close()
    }
}
