/// JSON values as the API writes and reads them (RFC 8259). Objects keep their keys' order, so
/// answers read the same every time; a number read from a request keeps its text, so that it goes
/// through `RequestNumber` like every number from outside (1e3, 1.5 and 25 digits are refused there).
public indirect enum JSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    /// A number as a request spelled it.
    case number(String)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])

    public static func == (left: JSON, right: JSON) -> Bool {
        left.bytes == right.bytes
    }

    // MARK: Writing

    public var bytes: [UInt8] {
        var out: [UInt8] = []
        write(to: &out)
        return out
    }

    public func write(to out: inout [UInt8]) {
        switch self {
        case .null: out += "null".utf8
        case .bool(let value): out += (value ? "true" : "false").utf8
        case .int(let value): out += String(value).utf8
        case .number(let text): out += text.utf8
        case .string(let text):
            var text = text
            text.withUTF8 { Self.writeString($0, to: &out) }
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                item.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSON.string(key).write(to: &out)
                out.append(UInt8(ascii: ":"))
                value.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static let hexDigits = Array("0123456789abcdef".utf8)

    /// A string's UTF-8 bytes, quoted and escaped: quotes, backslashes and control characters.
    /// (Invalid UTF-8 cannot reach here: Swift strings and SQLite's text are valid.)
    static func writeString(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x0A: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0D: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0..<0x20:
                out += "\\u00".utf8
                out += [hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 15)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    // MARK: Reading

    /// A whole number, written or read (as `RequestNumber` reads numbers); nil for anything else.
    public var int: Int? {
        switch self {
        case .int(let value): return value
        case .number(let text): return RequestNumber.parse(text, in: RequestNumber.filterValues)
        default: return nil
        }
    }

    public var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    public var array: [JSON]? {
        if case .array(let items) = self { return items }
        return nil
    }

    /// The member of an object, nil when absent (or when this is not an object).
    public subscript(key: String) -> JSON? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    /// Parses a request body: one value, nothing after it, nested at most `deepest` levels.
    public static func parse(_ bytes: [UInt8]) throws(UserError) -> JSON {
        var reader = Reader(bytes: bytes)
        reader.skipSpace()
        let value = try reader.value(depth: 0)
        reader.skipSpace()
        guard reader.position == bytes.count else { throw reader.failure("more after the end of the value") }
        return value
    }

    static let deepest = 20

    struct Reader {
        let bytes: [UInt8]
        var position = 0

        func failure(_ what: String) -> UserError {
            .badRequest("The body is not valid JSON: \(what) at byte \(position + 1).")
        }

        mutating func skipSpace() {
            while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
        }

        mutating func literal(_ word: String, _ value: JSON) throws(UserError) -> JSON {
            let expected = Array(word.utf8)
            guard bytes.count - position >= expected.count, Array(bytes[position..<position + expected.count]) == expected else {
                throw failure("an unexpected character")
            }
            position += expected.count
            return value
        }

        mutating func value(depth: Int) throws(UserError) -> JSON {
            guard depth <= JSON.deepest else { throw failure("nesting deeper than \(JSON.deepest) levels") }
            guard position < bytes.count else { throw failure("an unexpected end") }
            switch bytes[position] {
            case UInt8(ascii: "n"): return try literal("null", .null)
            case UInt8(ascii: "t"): return try literal("true", .bool(true))
            case UInt8(ascii: "f"): return try literal("false", .bool(false))
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "["):
                position += 1
                var items: [JSON] = []
                skipSpace()
                if position < bytes.count, bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) }
                while true {
                    skipSpace()
                    items.append(try value(depth: depth + 1))
                    skipSpace()
                    guard position < bytes.count else { throw failure("an unexpected end") }
                    position += 1
                    if bytes[position - 1] == UInt8(ascii: "]") { return .array(items) }
                    guard bytes[position - 1] == UInt8(ascii: ",") else { position -= 1; throw failure("a missing comma") }
                }
            case UInt8(ascii: "{"):
                position += 1
                var members: [(String, JSON)] = []
                skipSpace()
                if position < bytes.count, bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members) }
                while true {
                    skipSpace()
                    guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw failure("a missing member name") }
                    let key = try string()
                    skipSpace()
                    guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw failure("a missing colon") }
                    position += 1
                    skipSpace()
                    let item = try value(depth: depth + 1)
                    guard !members.contains(where: { $0.0 == key }) else { throw failure("“\(key.prefix(40))” given twice") }
                    members.append((key, item))
                    skipSpace()
                    guard position < bytes.count else { throw failure("an unexpected end") }
                    position += 1
                    if bytes[position - 1] == UInt8(ascii: "}") { return .object(members) }
                    guard bytes[position - 1] == UInt8(ascii: ",") else { position -= 1; throw failure("a missing comma") }
                }
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                let start = position
                position += 1
                while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position])
                        || [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "+"), UInt8(ascii: "-")].contains(bytes[position]) {
                    position += 1
                }
                guard position - start <= 40 else { throw failure("a number too long") }
                return .number(String(decoding: bytes[start..<position], as: UTF8.self))
            default:
                throw failure("an unexpected character")
            }
        }

        mutating func string() throws(UserError) -> String {
            position += 1
            var scalars = String.UnicodeScalarView()
            var run: [UInt8] = []
            func flush() throws(UserError) {
                guard !run.isEmpty else { return }
                guard let text = String(validating: run, as: UTF8.self) else { throw failure("text that is not UTF-8") }
                scalars.append(contentsOf: text.unicodeScalars)
                run.removeAll(keepingCapacity: true)
            }
            while position < bytes.count {
                let byte = bytes[position]
                position += 1
                switch byte {
                case UInt8(ascii: "\""):
                    try flush()
                    return String(scalars)
                case UInt8(ascii: "\\"):
                    try flush()
                    guard position < bytes.count else { throw failure("an unexpected end") }
                    let escape = bytes[position]
                    position += 1
                    switch escape {
                    case UInt8(ascii: "\""): scalars.append("\"")
                    case UInt8(ascii: "\\"): scalars.append("\\")
                    case UInt8(ascii: "/"): scalars.append("/")
                    case UInt8(ascii: "b"): scalars.append("\u{8}")
                    case UInt8(ascii: "f"): scalars.append("\u{C}")
                    case UInt8(ascii: "n"): scalars.append("\n")
                    case UInt8(ascii: "r"): scalars.append("\r")
                    case UInt8(ascii: "t"): scalars.append("\t")
                    case UInt8(ascii: "u"):
                        var code = try hex4()
                        if (0xD800..<0xDC00).contains(code) {
                            guard bytes.count - position >= 6, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                                throw failure("a lone surrogate")
                            }
                            position += 2
                            let low = try hex4()
                            guard (0xDC00..<0xE000).contains(low) else { throw failure("a lone surrogate") }
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let scalar = Unicode.Scalar(code) else { throw failure("a lone surrogate") }
                        scalars.append(scalar)
                    default:
                        throw failure("an unknown escape")
                    }
                case 0..<0x20:
                    throw failure("a control character inside a string")
                default:
                    run.append(byte)
                }
            }
            throw failure("an unterminated string")
        }

        mutating func hex4() throws(UserError) -> UInt32 {
            guard bytes.count - position >= 4 else { throw failure("an unexpected end") }
            var code: UInt32 = 0
            for byte in bytes[position..<position + 4] {
                guard let digit = JSON.hexDigits.firstIndex(of: byte | 0x20) else { throw failure("a bad \\u escape") }
                code = code << 4 | UInt32(digit)
            }
            position += 4
            return code
        }
    }
}

/// Literals, for documents written in code (the OpenAPI description): `["type": "object"]` keeps its order.
extension JSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSON...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSON)...) { self = .object(elements) }
}
