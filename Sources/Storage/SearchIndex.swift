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

    var creation: String {
        """
        CREATE VIRTUAL TABLE \(name) USING fts5(\(columns.joined(separator: ", ")), content='\(table)', content_rowid='rowid',
            tokenize='trigram', columnsize=0);
        \(triggers)
        \(rebuild)
        """
    }

    /// Trigger names contain "_search_" so a bulk load can set them aside and rebuild instead.
    var triggers: String {
        let list = columns.joined(separator: ", ")
        let remove = "INSERT INTO \(name) (\(name), rowid, \(list)) VALUES ('delete', OLD.rowid, \(columns.map { "OLD." + $0 }.joined(separator: ", ")));"
        let add = "INSERT INTO \(name) (rowid, \(list)) VALUES (NEW.rowid, \(columns.map { "NEW." + $0 }.joined(separator: ", ")));"
        return """
        CREATE TRIGGER \(name)_insert AFTER INSERT ON \(table) BEGIN \(add) END;
        CREATE TRIGGER \(name)_delete AFTER DELETE ON \(table) BEGIN \(remove) END;
        CREATE TRIGGER \(name)_update AFTER UPDATE OF \(list) ON \(table) BEGIN \(remove) \(add) END;
        """
    }

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
