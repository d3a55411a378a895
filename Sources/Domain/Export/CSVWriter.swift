/// RFC 4180 CSV in UTF-8: fields quoted when they hold a comma, a semicolon, a tab, a quote or a
/// line break (so the file reads the same with `;` or tab as the separator), quotes doubled, CRLF
/// between records. Bytes are appended to a buffer the caller sends on.
struct CSVWriter: ExportBuffer {
    var buffer: [UInt8] = []

    mutating func byteOrderMark() {
        buffer += [0xEF, 0xBB, 0xBF]
    }

    mutating func record(_ fields: [String]) {
        for (index, field) in fields.enumerated() {
            separate(index)
            var field = field
            field.withUTF8 { append($0, guarded: false) }
        }
        endRecord()
    }

    mutating func separate(_ index: Int) {
        if index > 0 { buffer.append(0x2C) }
    }

    mutating func endRecord() {
        buffer.append(0x0D)
        buffer.append(0x0A)
    }

    mutating func number(_ value: Int) {
        buffer += String(value).utf8
    }

    /// A stored date-time ("2026-11-27T21:23:51Z") as spreadsheets read one: "2026-11-27 21:23:51"
    /// (the header says UTC). Anything else goes as stored.
    mutating func dateTime(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count == 20, bytes[10] == UInt8(ascii: "T"), bytes[19] == UInt8(ascii: "Z") else {
            append(bytes, guarded: false)
            return
        }
        buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[0..<10]))
        buffer.append(0x20)
        buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[11..<19]))
    }

    /// One field's bytes; `guarded` puts an apostrophe before text a spreadsheet would run as a
    /// formula: at the field's start, and after every separator inside it, since a reader that splits
    /// there (a semicolon locale that ignores the quotes, a plain split) starts a cell at that point.
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>, guarded: Bool) {
        let apostrophe = guarded && FormulaGuard.needsGuard(bytes)
        guard bytes.contains(where: { Self.isSeparator($0) || $0 == 0x22 }) else {
            if apostrophe { buffer.append(0x27) }
            buffer.append(contentsOf: bytes)
            return
        }
        buffer.append(0x22)
        if apostrophe { buffer.append(0x27) }
        for index in bytes.indices {
            let byte = bytes[index]
            if byte == 0x22 { buffer.append(0x22) }
            buffer.append(byte)
            guard guarded, Self.isSeparator(byte), index + 1 < bytes.count, !Self.isSeparator(bytes[index + 1]) else { continue }
            if FormulaGuard.needsGuard(UnsafeBufferPointer(rebasing: bytes[(index + 1)...])) { buffer.append(0x27) }
        }
        buffer.append(0x22)
    }

    /// What ends a cell or a record in the CSV of common locales: comma, semicolon, tab, CR, LF.
    /// A field holding any of them is quoted, whichever the reader takes for its separator.
    static func isSeparator(_ byte: UInt8) -> Bool {
        byte == 0x2C || byte == 0x3B || byte == 0x09 || byte == 0x0D || byte == 0x0A
    }
}

/// A streamed export's writer: bytes waiting to be sent.
protocol ExportBuffer {
    var buffer: [UInt8] { get set }
}
