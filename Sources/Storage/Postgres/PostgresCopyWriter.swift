import CSQLite

/// Rows in the text format of PostgreSQL's COPY: tab between values, a line per row, `\N` for
/// NULL, backslash escapes for the characters the format uses. Sent on in blocks of 64 KiB.
final class PostgresCopyWriter {
    private var buffer: [UInt8] = []
    private var atRowStart = true
    private let send: ([UInt8]) -> Bool
    private(set) var failed = false

    init(send: @escaping ([UInt8]) -> Bool) {
        self.send = send
        buffer.reserveCapacity(1 << 17)
    }

    /// Appends column `column` of the current row of a SQLite statement, by its stored type.
    func append(_ statement: Statement, column: Int32) throws {
        separate()
        switch statement.sqliteType(column) {
        case SQLITE_NULL:
            buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "N")])
        case SQLITE_INTEGER:
            buffer.append(contentsOf: String(statement.int(column)).utf8)
        case SQLITE_FLOAT:
            buffer.append(contentsOf: "\(statement.double(column))".utf8)
        case SQLITE_BLOB:
            // bytea's hex input, its backslash escaped for COPY.
            buffer.append(contentsOf: Array(#"\\x"#.utf8))
            statement.withBlob(column) { bytes in
                for byte in bytes { buffer.append(contentsOf: Self.hexDigits(byte)) }
            }
        default:
            statement.withBytes(column) { bytes in
                for byte in bytes {
                    switch byte {
                    case UInt8(ascii: "\\"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                    case UInt8(ascii: "\n"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                    case UInt8(ascii: "\r"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                    case UInt8(ascii: "\t"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                    default: buffer.append(byte)
                    }
                }
            }
        }
    }

    func endRow() throws {
        buffer.append(UInt8(ascii: "\n"))
        atRowStart = true
        if buffer.count >= 1 << 16, !flush() { throw StorageError(postgresState: "08006", message: "COPY data could not be sent", sql: nil) }
    }

    /// Sends what is buffered; false if the connection refused it.
    func flush() -> Bool {
        guard !buffer.isEmpty else { return true }
        let sent = send(buffer)
        buffer.removeAll(keepingCapacity: true)
        return sent
    }

    private func separate() {
        if !atRowStart { buffer.append(UInt8(ascii: "\t")) }
        atRowStart = false
    }

    private static func hexDigits(_ byte: UInt8) -> [UInt8] {
        let digits = Array("0123456789abcdef".utf8)
        return [digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]]
    }
}
