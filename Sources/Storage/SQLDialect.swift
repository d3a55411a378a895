/// Which SQL a database speaks, and how each spelling that differs is written in it (as SQLKit's
/// `SQLDialect`): a `SQLFragment` is rendered for one dialect when it runs, so the app's SQL is
/// written once, with the differing parts named, and never rewritten as text.
public enum SQLDialect: Sendable, Equatable {
    case sqlite
    case postgres

    /// The `number`th parameter (from 1).
    func placeholder(_ number: Int) -> String {
        switch self {
        case .sqlite: return "?\(number)"
        case .postgres: return "$\(number)"
        }
    }

    /// Compares and sorts without regard to ASCII case. NOCASE folds ASCII letters only, as
    /// `lower()` does under PostgreSQL's "C" collation, which every column has; a parameter has
    /// the database's collation, so it is given "C" (whose lower() might fold beyond ASCII otherwise).
    func caseless(_ expression: String, isParameter: Bool) -> String {
        switch self {
        case .sqlite: return expression + " COLLATE NOCASE"
        case .postgres: return isParameter ? "lower(\(expression) COLLATE \"C\")" : "lower(\(expression))"
        }
    }

    /// Equality, and its negation, where NULL equals NULL.
    func nullSafe(equal: Bool) -> String {
        switch self {
        case .sqlite: return equal ? "IS" : "IS NOT"
        case .postgres: return equal ? "IS NOT DISTINCT FROM" : "IS DISTINCT FROM"
        }
    }

    /// The ids of a list bound as one JSON array (`SQLValue.idList`), as a subquery's rows:
    /// one parameter whatever the list's length.
    func ids(in list: String) -> String {
        switch self {
        case .sqlite: return "SELECT value FROM json_each(\(list))"
        case .postgres: return "SELECT CAST(value AS bigint) FROM json_array_elements_text(CAST(\(list) AS json))"
        }
    }

    /// Where `needle` first occurs in `haystack`, from 1; 0 when it does not. A number is searched as its text.
    func position(of needle: String, in haystack: String, haystackIsNumber: Bool) -> String {
        switch self {
        case .sqlite: return "instr(\(haystack), \(needle))"
        case .postgres: return haystackIsNumber ? "strpos(CAST(\(haystack) AS text), \(needle))" : "strpos(\(haystack), \(needle))"
        }
    }

    /// Whether `text` ends with `suffix`. A number is compared as its text.
    func endsWith(_ text: String, _ suffix: String, textIsNumber: Bool) -> String {
        switch self {
        case .sqlite: return "substr(\(text), -length(\(suffix))) = \(suffix)"
        case .postgres: return "right(\(textIsNumber ? "CAST(\(text) AS text)" : text), length(\(suffix))) = \(suffix)"
        }
    }

    /// The larger (or smaller) of several values; SQLite's max/min of several arguments.
    func extreme(_ largest: Bool, _ values: [String]) -> String {
        let list = values.joined(separator: ", ")
        switch self {
        case .sqlite: return (largest ? "max(" : "min(") + list + ")"
        case .postgres: return (largest ? "greatest(" : "least(") + list + ")"
        }
    }

    /// The character of a code point (a newline: 10).
    func character(_ code: Int) -> String {
        switch self {
        case .sqlite: return "char(\(code))"
        case .postgres: return "chr(\(code))"
        }
    }

    /// A blob as upper-case hexadecimal text.
    func hex(_ blob: String) -> String {
        switch self {
        case .sqlite: return "hex(\(blob))"
        case .postgres: return "upper(encode(\(blob), 'hex'))"
        }
    }

    /// A planner hint: an expression SQLite must not look up through an index (its unary `+`),
    /// where another index finds fewer rows; PostgreSQL's planner weighs both itself.
    func withoutIndex(_ expression: String) -> String {
        switch self {
        case .sqlite: return "+" + expression
        case .postgres: return expression
        }
    }
}
