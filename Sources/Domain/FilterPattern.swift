/// The API's one-word filter, `column:condition:value`, as one JSON Schema pattern: every column,
/// each condition that applies to its kind (the operator table's templates), and the value that
/// condition takes (`Filter.problem`'s rules): a whole number, a day, one of an enumeration's
/// values (in any letter case), or a line of text. A filter that matches is one the table applies,
/// so a client generated from the document cannot write one it refuses. Unit tests hold each value
/// pattern to `Filter.problem`.
public enum FilterPattern {
    public static var parameter: String {
        // Columns whose conditions and values read the same share one alternative.
        var groups: [(columns: [String], conditions: String)] = []
        for column in ColumnCatalog.all {
            let conditions = conditionsPattern(column)
            guard !conditions.isEmpty else { continue }  // a column no condition applies to (an invite link) cannot be filtered by
            if let index = groups.firstIndex(where: { $0.conditions == conditions }) {
                groups[index].columns.append(column.key)
            } else {
                groups.append(([column.key], conditions))
            }
        }
        return "^(?:" + groups.map { "(?:\($0.columns.joined(separator: "|"))):(?:\($0.conditions))" }.joined(separator: "|") + ")" + SchemaPattern.end
    }

    /// `condition:value` for each condition that applies to the column, conditions with the same value rule together.
    static func conditionsPattern(_ column: Column) -> String {
        var groups: [(conditions: [String], value: String)] = []
        for condition in FilterConditions.all {
            guard let value = value(condition, column) else { continue }
            if let index = groups.firstIndex(where: { $0.value == value }) {
                groups[index].conditions.append(condition.key)
            } else {
                groups.append(([condition.key], value))
            }
        }
        return groups.map { "(?:\($0.conditions.joined(separator: "|"))):\($0.value)" }.joined(separator: "|")
    }

    /// The value a condition takes on a column, as a pattern; nil when the condition does not apply.
    public static func value(_ condition: FilterCondition, _ column: Column) -> String? {
        guard let template = condition.template(for: column.kind) else { return nil }
        guard condition.needsValue else { return "[\\s\\S]*" }  // not read
        if template.value == .number { return around(wholeNumber) }
        if template.value == .day { return around(day) }
        // RequestNumber's digits (leading zeros too), 0 to FilterConditions.mostDays (3650).
        if template.value == .nextDays || template.value == .lastDays { return around("0{0,15}(?:[0-9]{1,3}|[0-2][0-9]{3}|3[0-5][0-9]{2}|36[0-4][0-9]|3650)") }
        if case .enumeration(let allowed) = column.kind, condition.key == "is" || condition.key == "is_not" {
            return around("(?:" + allowed.map(anyCase).joined(separator: "|") + ")")
        }
        return StoredText.linePattern(upTo: Filter.maximumValueLength, anchored: false)
    }

    /// White space around a value is trimmed away, as `Filter.trimmedValue` does.
    static func around(_ core: String) -> String {
        let space = #"[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*"#
        return space + core + space
    }

    /// `Filter.wholeNumber`: a sign, then digits with single commas between them: at most 19 digits
    /// (`RequestNumber.parse`), within `RequestNumber.filterValues`, ±10^k: up to k significant digits, or
    /// 10^k itself, after leading zeros.
    static var wholeNumber: String {
        let k = String(RequestNumber.filterValues.upperBound).count - 1
        return "[+-]?(?:(?:0,?){0,\(19 - k)}(?:[0-9],?){0,\(k - 1)}[0-9]|(?:0,?){0,\(18 - k)}1(?:,?0){\(k)})"
    }

    /// `Filter.isDay`: YYYY-MM-DD, a day the calendar has (29 February in leap years only).
    static let day = "(?:[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))"
        + "|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29)"

    /// A value as folding compares it (`TextFolding.fold`, lowercase): each letter in either case (and
    /// the Kelvin sign, which lowercases to k); other characters as they are.
    static func anyCase(_ value: String) -> String {
        value.map { character -> String in
            guard character.isASCII, character.isLetter else { return escaped(character) }
            let lower = character.lowercased(), upper = character.uppercased()
            return "[\(upper)\(lower)\(lower == "k" ? "\\u212a" : "")]"
        }.joined()
    }

    static func escaped(_ character: Character) -> String {
        #"\^$.|?*+()[]{}/"#.contains(character) ? "\\\(character)" : String(character)
    }
}
