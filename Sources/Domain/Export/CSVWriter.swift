/// RFC 4180 CSV in UTF-8: fields quoted when they hold a comma, a quote or a line break, quotes
/// doubled, CRLF between records. Bytes are appended to a buffer the caller sends on.
struct CSVWriter {
    var buffer: [UInt8] = []

    mutating func byteOrderMark() {
        buffer += [0xEF, 0xBB, 0xBF]
    }

    mutating func record(_ fields: [String]) {
        for (index, field) in fields.enumerated() {
            if index > 0 { buffer.append(UInt8(ascii: ",")) }
            append(field)
        }
        buffer += [0x0D, 0x0A]
    }

    private mutating func append(_ field: String) {
        let utf8 = field.utf8
        guard utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0D || $0 == 0x0A }) else {
            buffer += utf8
            return
        }
        buffer.append(0x22)
        for byte in utf8 {
            if byte == 0x22 { buffer.append(0x22) }
            buffer.append(byte)
        }
        buffer.append(0x22)
    }
}
