/// A trigram full-text index over text columns of a table: it finds the rows whose text contains
/// a substring of three characters or more, case-folded, without reading the rows, and answers
/// several such conditions on different columns in one pass. Triggers keep it in step with its
/// table; it stores no copy of the text (external content).
public struct SearchIndex: Sendable, Equatable {
    public let table: String
    public let columns: [String]

    public var name: String { "\(table)_search" }

    /// Connection columns users search by substring. Organization names are few and searched directly.
    public static let connections = SearchIndex(table: "connections", columns: ["name", "benefits_list", "questions_list"])

    public static let all = [connections]

    /// Refills the index from its table, for a bulk load that set its triggers aside. The index and
    /// its triggers themselves are created by the schema's migrations.
    var rebuild: String { "INSERT INTO \(name) (\(name)) VALUES ('rebuild');" }

    /// The FTS5 query for the rows whose folded `column` contains `text` (a phrase of its
    /// trigrams); nil below three characters, where a trigram index cannot help. Queries joined
    /// by " AND " find the rows matching all of them.
    public func containsQuery(column: String, text: String) -> String? {
        guard columns.contains(column), text.unicodeScalars.count >= 3 else { return nil }
        // FTS5 strings are double-quoted, a quote inside doubled.
        return "{\(column)} : \"" + text.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }
}
