/// A trigram index over text columns of a table: it finds the rows whose text contains a
/// substring of three characters or more, case-folded, without reading the rows, and answers
/// several such conditions on different columns in one pass. On SQLite an FTS5 table (external
/// content, kept in step by triggers); on PostgreSQL a `pg_trgm` GIN index per column, on
/// `fold(column)`.
public struct SearchIndex: Sendable, Equatable {
    public let table: String
    public let columns: [String]

    public var name: String { "\(table)_search" }

    /// Connection columns users search by substring. Organization names are few and searched directly.
    public static let connections = SearchIndex(table: "connections", columns: ["name", "benefits_list", "questions_list"])

    /// A request's driver name and a driver's email, for the console's search box (schema 13).
    public static let membershipNames = SearchIndex(table: "memberships", columns: ["driver_name"])
    public static let driverEmails = SearchIndex(table: "drivers", columns: ["email"])

    public static let all = [connections, membershipNames, driverEmails]

    /// Refills the index from its table, for a bulk load that set its triggers aside. The index and
    /// its triggers themselves are created by the schema's migrations.
    var rebuild: String { "INSERT INTO \(name) (\(name)) VALUES ('rebuild');" }

    /// The rows whose folded `column` contains `text` (already folded); nil below three
    /// characters, where a trigram index cannot help.
    public func containsQuery(column: String, text: String) -> ContainsQuery? {
        guard columns.contains(column), text.unicodeScalars.count >= 3 else { return nil }
        return ContainsQuery(column: column, text: text)
    }

    public struct ContainsQuery: Sendable, Equatable {
        let column: String
        let text: String
    }

    /// The ids of the rows matching every query, in one pass of the index.
    public func rows(matching queries: [ContainsQuery], dialect: SQLDialect) -> SQLFragment {
        rows(matchingEach: queries.map { [$0] }, dialect: dialect)
    }

    /// The ids of the rows matching, for every clause, at least one of its queries (filter groups:
    /// a group of any is one clause), in one pass of the index.
    public func rows(matchingEach clauses: [[ContainsQuery]], dialect: SQLDialect) -> SQLFragment {
        switch dialect {
        case .sqlite:
            // A phrase of the text's trigrams per column; FTS5 strings are double-quoted, a quote inside doubled.
            let match = clauses.map { clause in
                let phrases = clause.map { query in
                    "{\(query.column)} : \"" + query.text.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
                }
                return phrases.count == 1 ? phrases[0] : "(" + phrases.joined(separator: " OR ") + ")"
            }
            return "SELECT rowid FROM \(raw: name) WHERE \(raw: name) MATCH \(bind: .text(match.joined(separator: " AND ")))"
        case .postgres:
            // LIKE's pattern with its wildcards and escape character taken literally.
            let conditions = clauses.map { clause -> SQLFragment in
                .joined(clause.map { query -> SQLFragment in
                    let literal = query.text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                        .replacingOccurrences(of: "_", with: "\\_")
                    return "fold(\(raw: query.column)) LIKE \(bind: .text("%" + literal + "%"))"
                }, separator: " OR ")
            }
            return "SELECT id FROM \(raw: table) WHERE " + .joined(conditions, separator: " AND ")
        }
    }
}
