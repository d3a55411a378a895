import Foundation

/// Reads the CSV that spreadsheets write: UTF-8 with or without a byte-order mark, UTF-16 LE
/// (Excel's "Unicode text", tab-separated), `,` or `;` (European Excel) or tab as the separator
/// (the one the header line holds most of, outside quotes), quoted fields with doubled quotes and
/// line breaks, CRLF or LF. Trailing empty records and trailing empty cells are dropped. A cell is
/// text as written: one starting with `=` stays text.
public enum DelimitedText {
    /// The records of `bytes`, or why they cannot be read.
    public static func records(_ bytes: [UInt8], limit: Int) throws -> [[String]] {
        let text = try decode(bytes)
        let separator = detectSeparator(text)
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var quoted = false
        var atFieldStart = true
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func endRecord() throws {
            record.append(field)
            field = ""
            while let last = record.last, last.isEmpty { record.removeLast() }
            records.append(record)
            record = []
            guard records.count <= limit + 1 else { throw ImportLimit.tooManyRows(limit) }
        }
        while let scalar = pending ?? iterator.next() {
            pending = nil
            if quoted {
                if scalar == "\"" {
                    let next = iterator.next()
                    if next == "\"" { field.unicodeScalars.append("\"") } else { quoted = false; pending = next }
                } else {
                    field.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"" where atFieldStart:
                quoted = true
                atFieldStart = false
            case separator:
                record.append(field)
                field = ""
                atFieldStart = true
            case "\r":
                let next = iterator.next()
                if next != "\n" { pending = next }
                try endRecord()
                atFieldStart = true
            case "\n":
                try endRecord()
                atFieldStart = true
            default:
                field.unicodeScalars.append(scalar)
                atFieldStart = false
            }
        }
        if !field.isEmpty || !record.isEmpty { try endRecord() }
        while let last = records.last, last.isEmpty { records.removeLast() }
        return records
    }

    /// UTF-8 (a byte-order mark dropped) or UTF-16 (by its byte-order mark, or LE by the zero bytes
    /// of ASCII text).
    static func decode(_ bytes: [UInt8]) throws -> String {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { return try utf8(bytes.dropFirst(3)) }
        if bytes.starts(with: [0xFF, 0xFE]) { return try utf16(bytes.dropFirst(2), littleEndian: true) }
        if bytes.starts(with: [0xFE, 0xFF]) { return try utf16(bytes.dropFirst(2), littleEndian: false) }
        if bytes.count >= 4, bytes[1] == 0, bytes[3] == 0, bytes[0] != 0 { return try utf16(bytes[...], littleEndian: true) }
        return try utf8(bytes[...])
    }

    private static func utf8(_ bytes: ArraySlice<UInt8>) throws -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw UserError.badRequest("The file is not UTF-8 or UTF-16 text: save it as CSV UTF-8, or as XLSX.")
        }
        return text
    }

    private static func utf16(_ bytes: ArraySlice<UInt8>, littleEndian: Bool) throws -> String {
        guard bytes.count % 2 == 0 else { throw UserError.badRequest("The file is not UTF-16 text: it ends in the middle of a character.") }
        var units: [UInt16] = []
        units.reserveCapacity(bytes.count / 2)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let (a, b) = (UInt16(bytes[index]), UInt16(bytes[index + 1]))
            units.append(littleEndian ? a | b << 8 : a << 8 | b)
            index += 2
        }
        guard let text = String(validating: units, as: UTF16.self) else {
            throw UserError.badRequest("The file is not UTF-16 text: it holds a broken character.")
        }
        return text
    }

    /// `;`, tab or `,`: whichever the first line holds most of outside quotes (`,` when none).
    static func detectSeparator(_ text: String) -> Unicode.Scalar {
        var counts: [Unicode.Scalar: Int] = [",": 0, ";": 0, "\t": 0]
        var quoted = false
        for scalar in text.unicodeScalars {
            if scalar == "\"" { quoted.toggle() }
            if !quoted, scalar == "\n" || scalar == "\r" { break }
            if !quoted, counts[scalar] != nil { counts[scalar]! += 1 }
        }
        return [",", ";", "\t"].max { counts[$0]! < counts[$1]! } ?? ","
    }
}

/// Past what an import takes: 413 with the limit.
public enum ImportLimit: Error, Sendable {
    case tooManyRows(Int)
    case tooLarge(Int)

    /// The most rows a file may hold, and the most bytes.
    public static let rows = 200_000
    public static let bytes = 20 * 1024 * 1024
}

extension ImportLimit {
    /// What the 413 says.
    public var message: String {
        switch self {
        case .tooManyRows(let rows): return "An import takes at most \(rows) rows (and a header row); split the file."
        case .tooLarge(let bytes): return "An import takes files of at most \(bytes / 1024 / 1024) MB; split the file."
        }
    }
}
