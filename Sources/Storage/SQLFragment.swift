/// A piece of SQL written once for every database: plain text in the spelling both read, with the
/// parts that differ named (parameters, caseless comparison, null-safe equality, id lists...) and
/// spelled by a `SQLDialect` when the statement is rendered. Written as a string literal:
///
///     "SELECT id FROM users WHERE \(caseless: "email") = \(caseless: "\(p: 1)")"
///
/// `\(p: N)` is the statement's Nth parameter (the list passed with it); `\(bind: value)` is a value
/// of the fragment's own, numbered after those, so fragments join without renumbering anything.
/// `\(raw:)` is for the app's own constants (column expressions, table names), never input.
public struct SQLFragment: Sendable, Equatable, ExpressibleByStringInterpolation {
    indirect enum Piece: Sendable, Equatable {
        case text(String)
        case parameter(Int)
        case bind(SQLValue)
        case caseless(SQLFragment)
        case nullSafe(equal: Bool)
        case ids(SQLFragment)
        case position(of: SQLFragment, in: SQLFragment, number: Bool)
        case endsWith(SQLFragment, SQLFragment, number: Bool)
        case extreme(largest: Bool, [SQLFragment])
        case character(Int)
        case hex(SQLFragment)
        case withoutIndex(SQLFragment)
    }

    var pieces: [Piece]

    init(pieces: [Piece]) {
        self.pieces = pieces
    }

    public init(stringLiteral value: String) {
        pieces = value.isEmpty ? [] : [.text(value)]
    }

    public init(stringInterpolation: Interpolation) {
        pieces = stringInterpolation.pieces
    }

    /// SQL made by the app from its own constants (never from input).
    public init(raw sql: String) {
        self.init(stringLiteral: sql)
    }

    /// The values bound by the fragment itself, in order.
    public var binds: [SQLValue] {
        var values: [SQLValue] = []
        visit { if case .bind(let value) = $0 { values.append(value) } }
        return values
    }

    /// Whether it is only a parameter (`\(p: 1)`, `\(bind:)`): PostgreSQL gives one a collation to lower it.
    var isParameter: Bool {
        guard pieces.count == 1 else { return false }
        switch pieces[0] {
        case .parameter, .bind: return true
        default: return false
        }
    }

    private func visit(_ body: (Piece) -> Void) {
        for piece in pieces {
            body(piece)
            switch piece {
            case .caseless(let inner), .ids(let inner), .hex(let inner), .withoutIndex(let inner): inner.visit(body)
            case .position(let a, let b, _), .endsWith(let a, let b, _): a.visit(body); b.visit(body)
            case .extreme(_, let values): values.forEach { $0.visit(body) }
            default: break
            }
        }
    }

    /// The statement's text for `dialect` and every value it binds: `parameters` (`\(p: N)`),
    /// then the fragment's own binds, numbered after them.
    public func rendered(for dialect: SQLDialect, parameters: [SQLValue] = []) -> (sql: String, parameters: [SQLValue]) {
        var values = parameters
        let sql = render(dialect, &values)
        return (sql, values)
    }

    private func render(_ dialect: SQLDialect, _ values: inout [SQLValue]) -> String {
        var sql = ""
        for piece in pieces {
            switch piece {
            case .text(let text): sql += text
            case .parameter(let number): sql += dialect.placeholder(number)
            case .bind(let value):
                values.append(value)
                sql += dialect.placeholder(values.count)
            case .caseless(let inner): sql += dialect.caseless(inner.render(dialect, &values), isParameter: inner.isParameter)
            case .nullSafe(let equal): sql += dialect.nullSafe(equal: equal)
            case .ids(let list): sql += dialect.ids(in: list.render(dialect, &values))
            case .position(let needle, let haystack, let number):
                let haystackSQL = haystack.render(dialect, &values)
                sql += dialect.position(of: needle.render(dialect, &values), in: haystackSQL, haystackIsNumber: number)
            case .endsWith(let text, let suffix, let number):
                let textSQL = text.render(dialect, &values)
                sql += dialect.endsWith(textSQL, suffix.render(dialect, &values), textIsNumber: number)
            case .extreme(let largest, let list): sql += dialect.extreme(largest, list.map { $0.render(dialect, &values) })
            case .character(let code): sql += dialect.character(code)
            case .hex(let blob): sql += dialect.hex(blob.render(dialect, &values))
            case .withoutIndex(let inner): sql += dialect.withoutIndex(inner.render(dialect, &values))
            }
        }
        return sql
    }

    public struct Interpolation: StringInterpolationProtocol {
        var pieces: [Piece] = []

        public init(literalCapacity: Int, interpolationCount: Int) {}

        public mutating func appendLiteral(_ literal: String) {
            if !literal.isEmpty { pieces.append(.text(literal)) }
        }

        public mutating func appendInterpolation(_ fragment: SQLFragment) {
            pieces += fragment.pieces
        }

        /// The statement's `number`th parameter (from 1).
        public mutating func appendInterpolation(p number: Int) {
            pieces.append(.parameter(number))
        }

        /// A value of the fragment's own.
        public mutating func appendInterpolation(bind value: SQLValue) {
            pieces.append(.bind(value))
        }

        /// The app's own constant SQL: a column expression, a table or column name. Never input.
        public mutating func appendInterpolation(raw sql: String) {
            appendLiteral(sql)
        }

        /// `expression` compared and sorted without regard to ASCII case, on both sides of a comparison.
        public mutating func appendInterpolation(caseless expression: SQLFragment) {
            pieces.append(.caseless(expression))
        }

        /// The ids of the statement's `number`th parameter, a list bound as one value
        /// (`SQLValue.idList`), as a subquery's rows: `IN (\(ids: 1))`.
        public mutating func appendInterpolation(ids number: Int) {
            pieces.append(.ids(SQLFragment(pieces: [.parameter(number)])))
        }

        /// The ids of a list of the fragment's own, as a subquery's rows (one bound value).
        public mutating func appendInterpolation(ids list: [Int]) {
            pieces.append(.ids(SQLFragment(pieces: [.bind(.idList(list))])))
        }

        /// The statement's `number`th parameter compared and sorted without regard to ASCII case.
        public mutating func appendInterpolation(caseless number: Int) {
            pieces.append(.caseless(SQLFragment(pieces: [.parameter(number)])))
        }
    }

    /// `=` and `<>` where NULL equals NULL (`a \(SQLFragment.isNotDistinctFrom) \(p: 1)`).
    public static let isNotDistinctFrom = SQLFragment(pieces: [.nullSafe(equal: true)])
    public static let isDistinctFrom = SQLFragment(pieces: [.nullSafe(equal: false)])

    /// Where `needle` first occurs in `haystack` (from 1; 0: nowhere). `number`: the haystack is a
    /// number, searched as its text.
    public static func position(of needle: SQLFragment, in haystack: SQLFragment, number: Bool = false) -> SQLFragment {
        SQLFragment(pieces: [.position(of: needle, in: haystack, number: number)])
    }

    /// Whether `text` ends with `suffix` (a condition).
    public static func endsWith(_ text: SQLFragment, _ suffix: SQLFragment, number: Bool = false) -> SQLFragment {
        SQLFragment(pieces: [.endsWith(text, suffix, number: number)])
    }

    /// The largest and the smallest of several values (not the aggregates).
    public static func greatest(_ values: SQLFragment...) -> SQLFragment { SQLFragment(pieces: [.extreme(largest: true, values)]) }
    public static func least(_ values: SQLFragment...) -> SQLFragment { SQLFragment(pieces: [.extreme(largest: false, values)]) }

    /// The character of a code point: `character(10)`, a newline.
    public static func character(_ code: Int) -> SQLFragment { SQLFragment(pieces: [.character(code)]) }

    /// A blob as upper-case hexadecimal.
    public static func hex(_ blob: SQLFragment) -> SQLFragment { SQLFragment(pieces: [.hex(blob)]) }

    /// A planner hint: SQLite must not find these rows through `expression`'s index (see `SQLDialect.withoutIndex`).
    public static func withoutIndex(_ expression: SQLFragment) -> SQLFragment { SQLFragment(pieces: [.withoutIndex(expression)]) }

    /// The pieces joined by `separator` (" AND ", " OR "), each in parentheses.
    public static func joined(_ pieces: [SQLFragment], separator: String) -> SQLFragment {
        var result = SQLFragment(pieces: [])
        for (index, piece) in pieces.enumerated() {
            result.pieces.append(.text(index == 0 ? "(" : ")" + separator + "("))
            result.pieces += piece.pieces
        }
        if !pieces.isEmpty { result.pieces.append(.text(")")) }
        return result
    }

    /// `(?, ?, ?)` for `IN`, a bound value each (an id list is one parameter instead:
    /// `SQLValue.idList`); `(NULL)`, which matches nothing, when empty.
    public static func list(_ values: [SQLValue]) -> SQLFragment {
        guard !values.isEmpty else { return "(NULL)" }
        var result = SQLFragment(pieces: [.text("(")])
        for (index, value) in values.enumerated() {
            if index > 0 { result.pieces.append(.text(", ")) }
            result.pieces.append(.bind(value))
        }
        result.pieces.append(.text(")"))
        return result
    }

    public static func + (left: SQLFragment, right: SQLFragment) -> SQLFragment {
        SQLFragment(pieces: left.pieces + right.pieces)
    }

    public static func += (left: inout SQLFragment, right: SQLFragment) {
        left.pieces += right.pieces
    }
}
