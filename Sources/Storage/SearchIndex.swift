/// A trigram full-text index over one text column: it finds the rows whose text contains a
/// substring of three characters or more, case-folded, without reading the rows. Triggers keep
/// it in step with its table; it stores no copy of the text (external content).
public struct SearchIndex: Sendable, Equatable {
    public let table: String
    public let column: String

    public var name: String { "\(table)_\(column)_search" }

    /// Connection columns users search by substring. Organization names are few and searched directly.
    public static let all = [
        SearchIndex(table: "connections", column: "name"),
        SearchIndex(table: "connections", column: "benefits_list"),
        SearchIndex(table: "connections", column: "questions_list"),
    ]

    public static func on(table: String, column: String) -> SearchIndex? {
        all.first { $0.table == table && $0.column == column }
    }

    var creation: String {
        """
        CREATE VIRTUAL TABLE \(name) USING fts5(\(column), content='\(table)', content_rowid='rowid',
            tokenize='trigram', columnsize=0);
        \(triggers)
        \(rebuild)
        """
    }

    /// Trigger names contain "_search_" so a bulk load can set them aside and rebuild instead.
    var triggers: String {
        let remove = "INSERT INTO \(name) (\(name), rowid, \(column)) VALUES ('delete', OLD.rowid, OLD.\(column));"
        let add = "INSERT INTO \(name) (rowid, \(column)) VALUES (NEW.rowid, NEW.\(column));"
        return """
        CREATE TRIGGER \(name)_insert AFTER INSERT ON \(table) BEGIN \(add) END;
        CREATE TRIGGER \(name)_delete AFTER DELETE ON \(table) BEGIN \(remove) END;
        CREATE TRIGGER \(name)_update AFTER UPDATE OF \(column) ON \(table) BEGIN \(remove) \(add) END;
        """
    }

    var rebuild: String { "INSERT INTO \(name) (\(name)) VALUES ('rebuild');" }

    /// The FTS5 query for the rows whose folded text contains `text` (a phrase of its trigrams);
    /// nil below three characters, where a trigram index cannot help.
    public static func containsQuery(for text: String) -> String? {
        guard text.unicodeScalars.count >= 3 else { return nil }
        // FTS5 strings are double-quoted, a quote inside doubled.
        return "\"" + text.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }
}
