/// One definition of a stored text's length: the one the schema's CHECK constraints use, so that
/// what the app accepts the database stores (never a constraint failure, a 500, on a form).
/// SQLite's `length()` counts Unicode scalars (code points), not the user-perceived characters
/// Swift's `count` counts (an emoji with a skin tone or a letter with a combining mark is one
/// Character, two or more scalars), and stops at the first NUL; `trim()` with one argument removes
/// spaces (U+0020) only, not tabs or line breaks.
public enum StoredText {
    /// What `length(trim(text))` gives in SQLite.
    public static func length(_ text: String) -> Int {
        let scalars = Array(text.unicodeScalars)
        var start = 0, end = scalars.count
        while start < end && scalars[start] == " " { start += 1 }
        while end > start && scalars[end - 1] == " " { end -= 1 }
        var count = 0
        for scalar in scalars[start..<end] {
            if scalar == "\u{0}" { break }
            count += 1
        }
        return count
    }

    /// Whether the text holds a control character (general category Cc: NUL, tab, line feed,
    /// carriage return, escape, DEL, C1 controls), which no one-line field may store.
    /// Bidirectional overrides and isolates count too: they make a name read as another one (a
    /// "‮" turns "gnp.exe" around); other format characters (the joiner inside emoji) do not.
    public static func hasControlCharacter(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.properties.generalCategory == .control || bidiControls.contains($0.value) }
    }

    static let bidiControls: Set<UInt32> = [0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069]

    /// One line of 1 to `limit` stored characters without control characters (callers trim first).
    public static func isLine(_ text: String, upTo limit: Int) -> Bool {
        (1...limit).contains(length(text)) && !hasControlCharacter(text)
    }

    /// The JSON Schema pattern (ECMA-262; Python's `re` and ICU read it alike) of the texts a one-line
    /// field takes, as its callers check them: white space around it (trimmed away, as
    /// `trimmingCharacters(in: .whitespacesAndNewlines)` does), then 1 to `limit` characters that
    /// start and end with neither white space nor a control character and hold no control character;
    /// with `lineBreaks`, line breaks inside too (LF, or CRLF stored as one LF), as a denial's reason.
    /// Without `padded`, no white space around it (a list's item, where " a" and "a" would be one);
    /// without `anchored`, a part of a larger pattern.
    public static func linePattern(upTo limit: Int, lineBreaks: Bool = false, padded: Bool = true, anchored: Bool = true) -> String {
        let controls = #"\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"#
        let space = #"\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"#
        let edge = "[^\(controls)\(space)]"
        let inside = lineBreaks ? #"(?:[^\#(controls)]|\r\n|\n)"# : "[^\(controls)]"
        let around = padded ? "[\(space)]*" : ""
        let core = "\(around)\(edge)(?:\(inside){0,\(limit - 2)}\(edge))?\(around)"
        return anchored ? "^\(core)\(SchemaPattern.end)" : core
    }
}
