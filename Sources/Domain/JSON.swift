/// JSON values as the API writes and reads them (RFC 8259). Objects keep their keys' order, so
/// answers read the same every time; a number read from a request keeps its text, so that it goes
/// through `RequestNumber` like every number from outside (1e3, 1.5 and 25 digits are refused there).
/// Not `indirect`: arrays already hold their items apart, and a box per value made parsing a
/// body of many small values cost an allocation each.
public enum JSON: Sendable, Equatable {
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
    public var members: [(String, JSON)]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The value as UTF-8 text: how the app stores JSON (audit details, outbox payloads).
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// An object with its members in key order, so the same members always give the same text.
    public static func sorted(_ members: [String: JSON]) -> JSON {
        .object(members.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }

    /// Stored text of an object of strings (`sorted`), read back by `strings(_:)`.
    public static func text(of strings: [String: String]) -> String {
        sorted(strings.mapValues(JSON.string)).text
    }

    /// An object of strings read back from stored text; nil for anything else.
    public static func strings(_ text: String) -> [String: String]? {
        guard let members = (try? parse(Array(text.utf8)))?.members else { return nil }
        var strings: [String: String] = [:]
        for (key, value) in members {
            guard let string = value.string else { return nil }
            strings[key] = string
        }
        return strings
    }

    public subscript(key: String) -> JSON? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    /// How much a parsed document may hold. Both bounds are far above what any request of this API
    /// needs (its largest object has a dozen members; a list, a thousand items), and keep a 1 MiB
    /// body from becoming hundreds of thousands of values in memory.
    public struct Limits: Sendable {
        public var membersPerObject: Int
        public var values: Int

        public init(membersPerObject: Int, values: Int) {
            self.membersPerObject = membersPerObject
            self.values = values
        }

        public static let request = Limits(membersPerObject: 200, values: 20_000)
    }

    /// Parses a request body: one value, nothing after it, nested at most `deepest` levels, within
    /// `limits`. Linear in the body's size: a repeated member name is found through a set.
    public static func parse(_ bytes: [UInt8], limits: Limits = .request) throws(UserError) -> JSON {
        // The reader walks the bytes in place, without the array's bounds checks: every index it reads is checked against the count.
        let parsed: Result<JSON, UserError> = bytes.withUnsafeBufferPointer { buffer in
            var reader = Reader(bytes: buffer, limits: limits)
            reader.skipSpace()
            return Result { () throws(UserError) -> JSON in
                let value = try reader.value(depth: 0)
                reader.skipSpace()
                guard reader.position == buffer.count else { throw reader.failure("more after the end of the value") }
                return value
            }
        }
        return try parsed.get()
    }

    static let deepest = 20

    struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        let limits: Limits
        var position = 0
        var values = 0

        init(bytes: UnsafeBufferPointer<UInt8>, limits: Limits) {
            self.bytes = bytes
            self.limits = limits
        }

        func failure(_ what: String) -> UserError {
            .badRequest("The body is not valid JSON: \(what) at byte \(position + 1).")
        }

        mutating func skipSpace() {
            while position < bytes.count {
                switch bytes[position] {
                case 0x20, 0x09, 0x0A, 0x0D: position += 1
                default: return
                }
            }
        }

        mutating func literal(_ word: StaticString, _ value: JSON) throws(UserError) -> JSON {
            let count = word.utf8CodeUnitCount
            guard bytes.count - position >= count else { throw failure("an unexpected character") }
            for index in 0..<count where bytes[position + index] != word.utf8Start[index] { throw failure("an unexpected character") }
            position += count
            return value
        }

        mutating func value(depth: Int) throws(UserError) -> JSON {
            guard depth <= JSON.deepest else { throw failure("nesting deeper than \(JSON.deepest) levels") }
            guard position < bytes.count else { throw failure("an unexpected end") }
            values += 1
            guard values <= limits.values else {
                throw .badRequest("The body holds more than \(limits.values) JSON values (at byte \(position + 1)): "
                                  + "send at most that many in one request.")
            }
            switch bytes[position] {
            case UInt8(ascii: "n"): return try literal("null", .null)
            case UInt8(ascii: "t"): return try literal("true", .bool(true))
            case UInt8(ascii: "f"): return try literal("false", .bool(false))
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "["):
                position += 1
                skipSpace()
                if position < bytes.count, bytes[position] == UInt8(ascii: "]") { position += 1; return .array([]) }
                // The first item made into an array of its own size: a list of one (common in
                // nested lists) is one allocation, without growing an empty array.
                var items = [try value(depth: depth + 1)]
                while true {
                    skipSpace()
                    guard position < bytes.count else { throw failure("an unexpected end") }
                    position += 1
                    if bytes[position - 1] == UInt8(ascii: "]") { return .array(items) }
                    guard bytes[position - 1] == UInt8(ascii: ",") else { position -= 1; throw failure("a missing comma") }
                    skipSpace()
                    items.append(try value(depth: depth + 1))
                }
            case UInt8(ascii: "{"):
                position += 1
                var members: [(String, JSON)] = []
                var seen: Set<String> = []
                skipSpace()
                if position < bytes.count, bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members) }
                while true {
                    skipSpace()
                    guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw failure("a missing member name") }
                    guard members.count < limits.membersPerObject else {
                        throw .badRequest("An object in the body has more than \(limits.membersPerObject) members (at byte \(position + 1)): "
                                          + "no object of this API has nearly that many.")
                    }
                    let key = try string()
                    guard seen.insert(key).inserted else { throw failure("“\(key.prefix(40))” given twice") }
                    skipSpace()
                    guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw failure("a missing colon") }
                    position += 1
                    skipSpace()
                    members.append((key, try value(depth: depth + 1)))
                    skipSpace()
                    guard position < bytes.count else { throw failure("an unexpected end") }
                    position += 1
                    if bytes[position - 1] == UInt8(ascii: "}") { return .object(members) }
                    guard bytes[position - 1] == UInt8(ascii: ",") else { position -= 1; throw failure("a missing comma") }
                }
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                let start = position
                position += 1
                scan: while position < bytes.count {
                    switch bytes[position] {
                    case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "+"),
                         UInt8(ascii: "-"):
                        position += 1
                    default: break scan
                    }
                }
                guard position - start <= 40 else { throw failure("a number too long") }
                guard Self.isNumber(bytes[start..<position]) else { throw failure("a number JSON does not write so (like 01, 1. or .5)") }
                return .number(String(decoding: bytes[start..<position], as: UTF8.self))
            default:
                throw failure("an unexpected character")
            }
        }

        /// RFC 8259's number: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
        static func isNumber(_ text: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
            var index = text.startIndex
            func digits() -> Int {
                let from = index
                while index < text.endIndex, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(text[index]) { index += 1 }
                return index - from
            }
            if index < text.endIndex, text[index] == UInt8(ascii: "-") { index += 1 }
            guard index < text.endIndex else { return false }
            if text[index] == UInt8(ascii: "0") { index += 1 } else if digits() == 0 { return false }
            if index < text.endIndex, text[index] == UInt8(ascii: ".") {
                index += 1
                guard digits() > 0 else { return false }
            }
            if index < text.endIndex, text[index] == UInt8(ascii: "e") || text[index] == UInt8(ascii: "E") {
                index += 1
                if index < text.endIndex, text[index] == UInt8(ascii: "+") || text[index] == UInt8(ascii: "-") { index += 1 }
                guard digits() > 0 else { return false }
            }
            return index == text.endIndex
        }

        /// A string's text: its bytes up to the closing quote, checked as UTF-8 once. Without an
        /// escape they are read in place; with one, copied with the escapes decoded into UTF-8.
        mutating func string() throws(UserError) -> String {
            position += 1
            var text: [UInt8] = []
            var escaped = false
            var runStart = position
            while position < bytes.count {
                let byte = bytes[position]
                switch byte {
                case UInt8(ascii: "\""):
                    let run = bytes[runStart..<position]
                    position += 1
                    let string = escaped ? String(validating: text + run, as: UTF8.self) : String(validating: run, as: UTF8.self)
                    guard let string else { throw failure("text that is not UTF-8") }
                    return string
                case UInt8(ascii: "\\"):
                    escaped = true
                    text += bytes[runStart..<position]
                    position += 1
                    guard position < bytes.count else { throw failure("an unexpected end") }
                    let escape = bytes[position]
                    position += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): text.append(escape)
                    case UInt8(ascii: "b"): text.append(0x08)
                    case UInt8(ascii: "f"): text.append(0x0C)
                    case UInt8(ascii: "n"): text.append(0x0A)
                    case UInt8(ascii: "r"): text.append(0x0D)
                    case UInt8(ascii: "t"): text.append(0x09)
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
                        UTF8.encode(scalar) { text.append($0) }
                    default:
                        throw failure("an unknown escape")
                    }
                    runStart = position
                case 0..<0x20:
                    throw failure("a control character inside a string")
                default:
                    position += 1
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
