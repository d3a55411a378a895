/// Pieces of the JSON Schema patterns the API document states the server's checks with.
public enum SchemaPattern {
    /// The end of the text. Not `$`: Python's `re` (schemathesis, jsonschema, hypothesis) lets `$` match
    /// before a final line feed, so "5\n" would fit `^5$` there, and a generator would send it.
    public static let end = #"(?![\s\S])"#
}
