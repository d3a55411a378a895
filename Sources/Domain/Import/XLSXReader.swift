import CZlib

/// Reads the cells of one sheet of an XLSX workbook (a zip of XML parts, ECMA-376): the shared
/// strings and the sheet's `<c>` elements, text as text (a cell whose text starts with `=` stays
/// text), a formula cell as its cached value (`<v>`), a number as written ("12", "45567" for a
/// date stored as a serial number, which the caller reads as a date). The first sheet, or the
/// one named.
struct XLSXReader {
    let archive: ZipArchive

    static func isWorkbook(_ bytes: [UInt8]) -> Bool { bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) }

    init(_ bytes: [UInt8]) throws {
        archive = try ZipArchive(bytes)
    }

    func records(sheet name: String?, limit: Int) throws -> [[String]] {
        let sheetPath = try path(ofSheet: name)
        let shared = try archive.entry("xl/sharedStrings.xml").map { try Self.sharedStrings(XMLScanner(String(decoding: $0, as: UTF8.self))) } ?? []
        guard let sheet = try archive.entry(sheetPath) else { throw UserError.badRequest("The workbook has no sheet \(sheetPath).") }
        var rows: [[String]] = []
        var scanner = XMLScanner(String(decoding: sheet, as: UTF8.self))
        var row: [String] = []
        var rowNumber = 0
        var cell: (column: Int, type: String, value: String, inline: String)? = nil
        var inValue = false, inInlineText = false
        func finishRow() {
            while let last = row.last, last.isEmpty { row.removeLast() }
            while rows.count < rowNumber - 1 { rows.append([]) }
            rows.append(row)
            row = []
        }
        while let token = scanner.next() {
            switch token {
            case .open(let tag, let attributes):
                switch tag {
                case "row":
                    rowNumber = Int(attributes["r"] ?? "") ?? (rowNumber + 1)
                    guard rowNumber <= limit + 1 else { throw ImportLimit.tooManyRows(limit) }
                case "c":
                    cell = (Self.column(of: attributes["r"] ?? "") ?? row.count, attributes["t"] ?? "n", "", "")
                case "v": inValue = true
                case "t": inInlineText = cell != nil
                default: break
                }
            case .close(let tag):
                switch tag {
                case "row": finishRow()
                case "v": inValue = false
                case "t": inInlineText = false
                case "c":
                    if let found = cell {
                        let text: String
                        switch found.type {
                        case "s": text = Int(found.value).flatMap { $0 < shared.count ? shared[$0] : nil } ?? ""
                        case "inlineStr": text = found.inline
                        case "b": text = found.value == "1" ? "TRUE" : "FALSE"
                        default: text = found.value
                        }
                        while row.count <= found.column { row.append("") }
                        row[found.column] = text
                    }
                    cell = nil
                default: break
                }
            case .text(let text):
                if inValue { cell?.value += text } else if inInlineText { cell?.inline += text }
            }
        }
        while let last = rows.last, last.isEmpty { rows.removeLast() }
        return rows
    }

    /// The sheet's part: the first in the workbook, or the one named (case-insensitive).
    func path(ofSheet name: String?) throws -> String {
        guard let workbook = try archive.entry("xl/workbook.xml") else { throw UserError.badRequest("The file is not an XLSX workbook (no xl/workbook.xml).") }
        var sheets: [(name: String, relation: String)] = []
        var scanner = XMLScanner(String(decoding: workbook, as: UTF8.self))
        while let token = scanner.next() {
            if case .open("sheet", let attributes) = token { sheets.append((attributes["name"] ?? "", attributes["r:id"] ?? "")) }
        }
        guard let chosen = name.map({ wanted in sheets.first { $0.name.caseInsensitiveCompare(wanted) == .orderedSame } }) ?? sheets.first else {
            throw UserError.badRequest(name.map { "The workbook has no sheet named “\($0.prefix(100))”; it has: \(sheets.map(\.name).joined(separator: ", "))." }
                                       ?? "The workbook has no sheets.")
        }
        var target = "worksheets/sheet1.xml"
        if let relations = try archive.entry("xl/_rels/workbook.xml.rels") {
            var scanner = XMLScanner(String(decoding: relations, as: UTF8.self))
            while let token = scanner.next() {
                if case .open("Relationship", let attributes) = token, attributes["Id"] == chosen.relation, let found = attributes["Target"] { target = found }
            }
        }
        return target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
    }

    static func sharedStrings(_ scanner: XMLScanner) throws -> [String] {
        var scanner = scanner
        var strings: [String] = []
        var current = "", inText = false, inPhonetic = false
        while let token = scanner.next() {
            switch token {
            case .open("si", _): current = ""
            case .close("si"): strings.append(current)
            case .open("rPh", _): inPhonetic = true
            case .close("rPh"): inPhonetic = false
            case .open("t", _): inText = true
            case .close("t"): inText = false
            case .text(let text) where inText && !inPhonetic: current += text
            default: break
            }
        }
        return strings
    }

    /// "C7" -> 2.
    static func column(of reference: String) -> Int? {
        var column = 0
        var letters = 0
        for scalar in reference.unicodeScalars {
            guard scalar.value >= 65 && scalar.value <= 90 else { break }
            column = column * 26 + Int(scalar.value - 64)
            letters += 1
        }
        return letters == 0 || letters > 3 ? nil : column - 1
    }
}

/// The entries of a zip archive, read through its central directory: stored or deflated (zlib's
/// raw inflate), each at most `ImportLimit.bytes` once inflated.
struct ZipArchive {
    let bytes: [UInt8]
    var entries: [String: (offset: Int, method: Int, compressed: Int, size: Int)] = [:]

    init(_ bytes: [UInt8]) throws {
        self.bytes = bytes
        let broken = UserError.badRequest("The file is not a readable XLSX workbook: save it again from the spreadsheet.")
        // The end-of-central-directory record, in the last 64 KiB + 22 bytes.
        guard bytes.count >= 22, let end = stride(from: bytes.count - 22, through: max(0, bytes.count - 65_557), by: -1)
            .first(where: { Self.u32(bytes, $0) == 0x0605_4B50 }) else { throw broken }
        let count = Self.u16(bytes, end + 10)
        var position = Self.u32(bytes, end + 16)
        for _ in 0..<count {
            guard position + 46 <= bytes.count, Self.u32(bytes, position) == 0x0201_4B50 else { throw broken }
            let nameLength = Self.u16(bytes, position + 28), extra = Self.u16(bytes, position + 30), comment = Self.u16(bytes, position + 32)
            guard position + 46 + nameLength <= bytes.count else { throw broken }
            let name = String(decoding: bytes[(position + 46)..<(position + 46 + nameLength)], as: UTF8.self)
            entries[name] = (Self.u32(bytes, position + 42), Self.u16(bytes, position + 10), Self.u32(bytes, position + 20), Self.u32(bytes, position + 24))
            position += 46 + nameLength + extra + comment
        }
    }

    /// The entry's bytes, or nil when the archive has none of that name.
    func entry(_ name: String) throws -> [UInt8]? {
        guard let entry = entries[name] else { return nil }
        let broken = UserError.badRequest("The workbook's part \(name) cannot be read: save the file again from the spreadsheet.")
        guard entry.size <= ImportLimit.bytes * 8 else { throw ImportLimit.tooLarge(ImportLimit.bytes) }
        let header = entry.offset
        guard header + 30 <= bytes.count, Self.u32(bytes, header) == 0x0403_4B50 else { throw broken }
        let start = header + 30 + Self.u16(bytes, header + 26) + Self.u16(bytes, header + 28)
        guard start + entry.compressed <= bytes.count else { throw broken }
        let data = Array(bytes[start..<(start + entry.compressed)])
        switch entry.method {
        case 0: return data
        case 8: return try Self.inflate(data, size: entry.size, broken: broken)
        default: throw broken
        }
    }

    static func inflate(_ data: [UInt8], size: Int, broken: UserError) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: max(size, 1))
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { throw broken }
        defer { inflateEnd(&stream) }
        var input = data
        let status = input.withUnsafeMutableBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                stream.next_in = inputBuffer.baseAddress
                stream.avail_in = uInt(inputBuffer.count)
                stream.next_out = outputBuffer.baseAddress
                stream.avail_out = uInt(outputBuffer.count)
                return CZlib.inflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END, Int(stream.total_out) == size else { throw broken }
        return size == 0 ? [] : output
    }

    static func u16(_ bytes: [UInt8], _ at: Int) -> Int { at + 2 <= bytes.count ? Int(bytes[at]) | Int(bytes[at + 1]) << 8 : 0 }
    static func u32(_ bytes: [UInt8], _ at: Int) -> Int { at + 4 <= bytes.count ? u16(bytes, at) | u16(bytes, at + 2) << 16 : 0 }
}

/// A small pull parser for the XML of a workbook's parts: elements with their attributes, and text
/// with the five predefined entities and character references decoded. Declarations, comments and
/// processing instructions are skipped.
struct XMLScanner {
    enum Token {
        case open(String, [String: String])
        case close(String)
        case text(String)
    }

    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var pendingClose: String?

    init(_ text: String) {
        scalars = Array(text.unicodeScalars)
    }

    /// The element's local name ("x:sheet" -> "sheet"); attributes keep their prefixes ("r:id").
    private static func local(_ name: String) -> String {
        name.split(separator: ":").last.map(String.init) ?? name
    }

    mutating func next() -> Token? {
        if let close = pendingClose {
            pendingClose = nil
            return .close(close)
        }
        while index < scalars.count {
            if scalars[index] != "<" {
                var text = ""
                while index < scalars.count && scalars[index] != "<" { text.unicodeScalars.append(scalars[index]); index += 1 }
                return .text(Self.decode(text))
            }
            // "<?", "<!": skipped to their end.
            if index + 1 < scalars.count, scalars[index + 1] == "?" || scalars[index + 1] == "!" {
                let ending: [Unicode.Scalar] = index + 3 < scalars.count && scalars[index + 2] == "-" ? ["-", "-", ">"] : [">"]
                index += 2
                while index < scalars.count && !scalars[index...].starts(with: ending) { index += 1 }
                index += ending.count
                continue
            }
            index += 1
            let closing = index < scalars.count && scalars[index] == "/"
            if closing { index += 1 }
            var name = ""
            while index < scalars.count, !" \t\r\n/>".unicodeScalars.contains(scalars[index]) { name.unicodeScalars.append(scalars[index]); index += 1 }
            var attributes: [String: String] = [:]
            var selfClosing = false
            while index < scalars.count && scalars[index] != ">" {
                let scalar = scalars[index]
                if scalar == "/" { selfClosing = true; index += 1; continue }
                if " \t\r\n".unicodeScalars.contains(scalar) { index += 1; continue }
                var key = ""
                while index < scalars.count, scalars[index] != "=", scalars[index] != ">", !" \t\r\n/".unicodeScalars.contains(scalars[index]) {
                    key.unicodeScalars.append(scalars[index]); index += 1
                }
                guard index < scalars.count, scalars[index] == "=" else { continue }
                index += 1
                guard index < scalars.count else { break }
                let quote = scalars[index]
                index += 1
                var value = ""
                while index < scalars.count && scalars[index] != quote { value.unicodeScalars.append(scalars[index]); index += 1 }
                index += 1
                attributes[key] = Self.decode(value)
            }
            index += 1
            let element = Self.local(name)
            if closing { return .close(element) }
            if selfClosing { pendingClose = element }
            return .open(element, attributes)
        }
        return nil
    }

    static func decode(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var result = ""
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            result += rest[..<amp]
            guard let semicolon = rest[amp...].firstIndex(of: ";"), rest.distance(from: amp, to: semicolon) <= 10 else {
                result += "&"
                rest = rest[rest.index(after: amp)...]
                continue
            }
            let entity = rest[rest.index(after: amp)..<semicolon]
            switch entity {
            case "amp": result += "&"
            case "lt": result += "<"
            case "gt": result += ">"
            case "quot": result += "\""
            case "apos": result += "'"
            default:
                let number = entity.hasPrefix("#x") ? UInt32(entity.dropFirst(2), radix: 16) : entity.hasPrefix("#") ? UInt32(entity.dropFirst()) : nil
                if let number, let scalar = Unicode.Scalar(number) { result.unicodeScalars.append(scalar) } else { result += "&\(entity);" }
            }
            rest = rest[rest.index(after: semicolon)...]
        }
        return result + rest
    }
}
