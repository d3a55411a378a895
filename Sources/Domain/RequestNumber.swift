/// The one way a number from outside (a path, a query, a form) becomes an Int: ASCII digits
/// only, within a stated range. Every range here is small enough that the arithmetic done with
/// its values (page offsets, sums of counts) cannot overflow, so no request can reach a trap.
public enum RequestNumber {
    /// Row ids in paths and forms: SQLite rowids are positive; 2^53 keeps them exact as JSON numbers too.
    public static let ids: ClosedRange<Int> = 1...(1 << 53)
    /// Page numbers: (page - 1) * the largest page size stays far below Int.max.
    public static let pages: ClosedRange<Int> = 1...1_000_000_000
    /// Positions in short lists (filter rows, questions, counts asked by tests).
    public static let smallCounts: ClosedRange<Int> = 0...1_000_000
    /// Values typed into number filters ("Connected Drivers greater than …").
    public static let filterValues: ClosedRange<Int> = -1_000_000_000_000_000...1_000_000_000_000_000

    /// The value of `text` when it is an optional sign and 1 to 19 ASCII digits within `range`; nil
    /// otherwise (empty, "1e9", "0x10", "١٢", spaces, 25 digits, out of range).
    public static func parse(_ text: (some StringProtocol)?, in range: ClosedRange<Int>) -> Int? {
        guard let text else { return nil }
        var utf8 = Substring(text).utf8[...]
        var negative = false
        if let sign = utf8.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
            negative = sign == UInt8(ascii: "-")
            utf8 = utf8.dropFirst()
        }
        guard !utf8.isEmpty, utf8.count <= 19 else { return nil }
        var magnitude: UInt64 = 0
        for byte in utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            // 19 digits fit in UInt64 (max 18,446,744,073,709,551,615 > 9,999,999,999,999,999,999).
            magnitude = magnitude * 10 + UInt64(byte - UInt8(ascii: "0"))
        }
        guard magnitude <= UInt64(Int.max) else { return nil }
        let value = negative ? -Int(magnitude) : Int(magnitude)
        return range.contains(value) ? value : nil
    }

    /// The value of a JSON number's text (as the parser checked it) when it is a whole number within
    /// `range`, however it is written: JSON Schema calls 27.0 and 2.7e1 integers, so clients and
    /// generators may send them so. Worked out on the digits, never through a Double, so nothing rounds.
    public static func parse(jsonNumber text: String, in range: ClosedRange<Int>) -> Int? {
        var rest = Substring(text)
        let negative = rest.first == "-"
        if negative { rest = rest.dropFirst() }
        var exponent = 0
        if let mark = rest.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            let written = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
            guard let value = parse(written, in: -999_999...999_999) else {
                // A longer exponent puts any value but 0 out of every range, or makes it a fraction.
                return rest.allSatisfy { $0 == "0" || $0 == "." } && range.contains(0) ? 0 : nil
            }
            exponent = value
        }
        let point = rest.firstIndex(of: ".")
        let fraction = point.map { rest[rest.index(after: $0)...] } ?? ""
        var digits = Array(((point.map { rest[..<$0] } ?? rest) + fraction).drop { $0 == "0" })
        exponent -= fraction.count
        while digits.last == "0" {
            digits.removeLast()
            exponent += 1
        }
        if digits.isEmpty { return range.contains(0) ? 0 : nil }
        guard exponent >= 0, digits.count + exponent <= 19 else { return nil }
        return parse((negative ? "-" : "") + String(digits) + String(repeating: "0", count: exponent), in: range)
    }

    /// Seconds since 1970 written in base 36 (a form token's time): 1 to 12 of "0-9a-z", which fits
    /// an Int whatever they are, within `range`.
    public static func parseBase36(_ text: some StringProtocol, in range: ClosedRange<Int>) -> Int? {
        guard (1...12).contains(text.utf8.count) else { return nil }
        var value = 0
        for byte in text.utf8 {
            let digit: Int
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = Int(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): digit = Int(byte - UInt8(ascii: "a")) + 10
            default: return nil
            }
            value = value * 36 + digit  // 36^12 < Int.max
        }
        return range.contains(value) ? value : nil
    }
}
