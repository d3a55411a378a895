import Foundation

/// Which SQL a database speaks. The app's SQL is written once, in SQLite's spelling; on
/// PostgreSQL `PostgresDialect.translate` rewrites the few spellings that differ, and
/// `PostgresSchema` defines the SQLite functions it uses.
public enum SQLDialect: Sendable, Equatable {
    case sqlite
    case postgres
}

/// Rewrites SQLite's spelling of a statement into PostgreSQL's, outside string literals and
/// quoted names:
/// - parameters `?N` and `?` become `$N` (a bare `?` takes the largest number so far plus one, as in SQLite);
/// - `X COLLATE NOCASE` becomes `lower(X)` (NOCASE folds ASCII letters only, as `lower()` does
///   under the schema's "C" collation; a parameter is given that collation), for X a name, a
///   parameter or a parenthesized call;
/// - `--` comments are left out;
/// - `IS NOT ?` / `IS ?` compare with NULL-safe `IS [NOT] DISTINCT FROM`;
/// - `rowid` is the `id` every table with one declares;
/// - `char(...)` is `chr(...)`, `substr(...)` SQLite's own (see the schema);
/// - `max(a, b)` and `min(a, b)`, SQLite's scalar forms, are `greatest` and `least`;
/// - a unary `+`, SQLite's way to keep an index out of a plan, is dropped (PostgreSQL has none for text).
/// A parameter's type comes from its first use: `(x = ?1 OR ?1 IS NULL)`, not the other way round.
public enum PostgresDialect {
    static let renamedFunctions = ["char": "chr", "substr": "sqlite_substr"]

    public static func translate(_ sql: String) -> String {
        let characters = Array(sql.unicodeScalars)
        var output = String.UnicodeScalarView()
        var highestParameter = 0
        var index = 0

        func peekWord(from start: Int) -> (word: String, end: Int)? {
            var position = start
            while position < characters.count, characters[position] == " " || characters[position] == "\n" { position += 1 }
            let wordStart = position
            while position < characters.count, isWordCharacter(characters[position]) { position += 1 }
            guard position > wordStart else { return nil }
            return (String(String.UnicodeScalarView(characters[wordStart..<position])), position)
        }

        func nextIsParameter(from start: Int) -> Bool {
            var position = start
            while position < characters.count, characters[position] == " " { position += 1 }
            return position < characters.count && characters[position] == "?"
        }

        while index < characters.count {
            let character = characters[index]
            switch character {
            case "-" where index + 1 < characters.count && characters[index + 1] == "-":
                while index < characters.count, characters[index] != "\n" { index += 1 }
            case "'", "\"":
                // A literal or quoted name, copied as is (a doubled quote stays inside it).
                var end = index + 1
                while end < characters.count {
                    if characters[end] == character {
                        if end + 1 < characters.count, characters[end + 1] == character { end += 2; continue }
                        break
                    }
                    end += 1
                }
                output.append(contentsOf: characters[index...min(end, characters.count - 1)])
                index = end + 1
            case "+" where isOperandStart(output):
                index += 1
            case "?":
                var end = index + 1
                while end < characters.count, characters[end].properties.numericType != nil, characters[end].isASCII { end += 1 }
                let number = end > index + 1 ? Int(String(String.UnicodeScalarView(characters[(index + 1)..<end])))! : highestParameter + 1
                highestParameter = max(highestParameter, number)
                output.append(contentsOf: "$\(number)".unicodeScalars)
                index = end
            case _ where isWordCharacter(character) && (index == 0 || !isWordCharacter(characters[index - 1])):
                var end = index
                while end < characters.count, isWordCharacter(characters[end]) { end += 1 }
                let word = String(String.UnicodeScalarView(characters[index..<end]))
                let upper = word.uppercased()
                let followedByParenthesis = end < characters.count && characters[end] == "("
                let qualified = index > 0 && characters[index - 1] == "."
                if upper == "COLLATE", let next = peekWord(from: end), next.word.uppercased() == "NOCASE" {
                    wrapLastOperandInLower(&output)
                    index = next.end
                    continue
                }
                if upper == "IS", let next = peekWord(from: end), next.word.uppercased() == "NOT", nextIsParameter(from: next.end) {
                    output.append(contentsOf: "IS DISTINCT FROM".unicodeScalars)
                    index = next.end
                    continue
                }
                if upper == "IS", nextIsParameter(from: end) {
                    output.append(contentsOf: "IS NOT DISTINCT FROM".unicodeScalars)
                    index = end
                    continue
                }
                if word.lowercased() == "rowid" {
                    output.append(contentsOf: "id".unicodeScalars)
                } else if followedByParenthesis, !qualified, let renamed = renamedFunctions[word.lowercased()] {
                    output.append(contentsOf: renamed.unicodeScalars)
                } else if followedByParenthesis, !qualified, ["max", "min"].contains(word.lowercased()), hasSeveralArguments(characters, from: end) {
                    output.append(contentsOf: (word.lowercased() == "max" ? "greatest" : "least").unicodeScalars)
                } else {
                    output.append(contentsOf: word.unicodeScalars)
                }
                index = end
            default:
                output.append(character)
                index += 1
            }
        }
        return String(output)
    }

    /// Whether the parenthesis at `start` holds more than one argument (a comma at its own depth).
    private static func hasSeveralArguments(_ characters: [Unicode.Scalar], from start: Int) -> Bool {
        var depth = 0
        var quote: Unicode.Scalar?
        for character in characters[start...] {
            if let open = quote {
                if character == open { quote = nil }
                continue
            }
            switch character {
            case "'", "\"": quote = character
            case "(": depth += 1
            case ")":
                depth -= 1
                if depth == 0 { return false }
            case "," where depth == 1: return true
            default: break
            }
        }
        return false
    }

    /// Whether an operand starts here, so that a `+` is unary: after `(`, `,`, an operator or a keyword.
    private static func isOperandStart(_ output: String.UnicodeScalarView) -> Bool {
        let text = String(output).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let last = text.unicodeScalars.last else { return true }
        if "(,=<>".unicodeScalars.contains(last) { return true }
        let lastWord = text.split(whereSeparator: { !$0.isLetter }).last.map { $0.uppercased() } ?? ""
        return text.uppercased().hasSuffix(lastWord) && ["AND", "OR", "NOT", "WHERE", "BY", "ON", "SELECT", "WHEN", "THEN", "ELSE"].contains(lastWord)
    }

    private static func isWordCharacter(_ character: Unicode.Scalar) -> Bool {
        character == "_" || character == "$" || (character.isASCII && (character.properties.isAlphabetic || character.properties.numericType != nil))
    }

    /// Wraps the operand that ends `output` (trailing spaces aside) in `lower(...)`: a dotted name,
    /// a `$N` parameter, or a parenthesized expression with the name of its function if any.
    private static func wrapLastOperandInLower(_ output: inout String.UnicodeScalarView) {
        var scalars = Array(output)
        while let last = scalars.last, last == " " || last == "\n" { scalars.removeLast() }
        var start = scalars.count
        if scalars.last == ")" {
            var depth = 0
            var position = scalars.count - 1
            while position >= 0 {
                if scalars[position] == ")" { depth += 1 }
                if scalars[position] == "(" { depth -= 1; if depth == 0 { break } }
                position -= 1
            }
            start = max(position, 0)
        }
        while start > 0, isWordCharacter(scalars[start - 1]) || scalars[start - 1] == "." { start -= 1 }
        let operand = String(String.UnicodeScalarView(scalars[start...]))
        output = String.UnicodeScalarView(scalars[..<start])
        // A parameter has the database's collation, whose lower() may fold beyond ASCII: "C" folds
        // ASCII letters only, as NOCASE does and as the columns (all "C") are lowered.
        output.append(contentsOf: (operand.hasPrefix("$") ? "lower(\(operand) COLLATE \"C\")" : "lower(\(operand))").unicodeScalars)
    }
}
