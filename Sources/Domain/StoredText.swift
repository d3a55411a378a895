/// Text as the database's CHECK constraints see it, so that what passes the form's checks is
/// what the database accepts: SQLite's length() counts Unicode scalars, not the characters
/// Swift's `count` sees (an emoji with a skin tone is one Character and two scalars; "\r\n"
/// is one Character holding a line feed).
public enum StoredText {
    /// What SQLite's length() counts.
    public static func length(_ text: String) -> Int { text.unicodeScalars.count }

    /// NUL, tab, CR, LF and the other control characters: no name, question or answer holds one.
    public static func hasControlCharacters(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }

    /// One line of 1 to `limit` scalars without control characters (callers trim first).
    public static func isLine(_ text: String, upTo limit: Int) -> Bool {
        (1...limit).contains(length(text)) && !hasControlCharacters(text)
    }
}
