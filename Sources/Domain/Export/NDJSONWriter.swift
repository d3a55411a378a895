import Storage

/// Newline-delimited JSON: one object per row, `{"id":…, "<column key>":…}`, each line ending in
/// LF. Numbers are numbers, lists arrays of their items, invite links absolute; text is written
/// as stored (no spreadsheet runs these, so nothing is guarded). Cells are copied from SQLite's
/// buffers, as the CSV writer does.
struct NDJSONWriter: ExportBuffer {
    var buffer: [UInt8] = []
    /// `,"key":` per column, worked out once.
    let keys: [[UInt8]]
    let kinds: [ColumnKind]

    init(columns: [Column]) {
        keys = columns.map { column in
            var key: [UInt8] = [UInt8(ascii: ",")]
            JSON.string(column.key).write(to: &key)
            key.append(UInt8(ascii: ":"))
            return key
        }
        kinds = columns.map(\.kind)
    }

    mutating func record(_ row: Statement, inviteURL: (String) -> String) {
        buffer += #"{"id":"#.utf8
        buffer += String(row.int(ConnectionTable.RowLayout.Identity.connectionID.rawValue)).utf8
        for (index, kind) in kinds.enumerated() {
            buffer += keys[index]
            let column = ConnectionTable.RowLayout.cellColumn(index)
            switch kind {
            case .number, .identifier:
                buffer += String(row.int(column)).utf8
            case .inviteLink:
                JSON.string(inviteURL(row.text(column))).write(to: &buffer)
            case .text, .enumeration, .date:
                row.withBytes(column) { JSON.writeString($0, to: &buffer) }
            case .list:
                buffer.append(UInt8(ascii: "["))
                for (position, item) in row.lines(column).enumerated() {
                    if position > 0 { buffer.append(UInt8(ascii: ",")) }
                    JSON.string(item).write(to: &buffer)
                }
                buffer.append(UInt8(ascii: "]"))
            }
        }
        buffer += "}\n".utf8
    }

    /// The last line of a stream cut short, in place of the rows that are missing.
    mutating func incomplete(_ message: String, rows: Int) {
        JSON.object([("incomplete", .bool(true)), ("rows", .int(rows)), ("message", .string("EXPORT INCOMPLETE: " + message))])
            .write(to: &buffer)
        buffer.append(0x0A)
    }
}
