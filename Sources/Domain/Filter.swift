import Foundation
import Storage

/// One row of the filter builder: a column, a condition and the value as the user typed it.
public struct Filter: Sendable, Equatable {
    public var column: Column
    public var condition: FilterCondition
    public var value: String
    /// The filter group it belongs to (1 to `FilterSet.maximumGroups`), or 0: on its own.
    public var group: Int

    public static let maximumValueLength = 200

    public init(column: Column, condition: FilterCondition, value: String, group: Int = 0) {
        self.column = column
        self.condition = condition
        self.value = value
        self.group = group
    }

    public var trimmedValue: String { value.trimmingCharacters(in: .whitespacesAndNewlines) }

    /// Why this filter cannot apply as written, to show next to it; nil when it can.
    public var problem: String? {
        guard let template = condition.template(for: column.kind) else {
            return "“\(condition.label)” compares numbers and dates; choose another condition for \(column.label)."
        }
        guard condition.needsValue else { return nil }
        let value = trimmedValue
        // Counted and checked as stored text is, so that the API document's pattern (StoredText.linePattern) says the same.
        if value.isEmpty { return "Enter a value, or choose “Is empty”." }
        if StoredText.length(value) > Self.maximumValueLength { return "Enter at most \(Self.maximumValueLength) characters." }
        if StoredText.hasControlCharacter(value) { return "Enter the value on one line." }
        if template.value == .number, Self.wholeNumber(value) == nil {
            return "\(column.label) is a whole number: enter digits, like 10."
        }
        if template.value == .day, !Self.isDay(value) {
            return "Enter a date as YYYY-MM-DD, like 2026-11-25."
        }
        if template.value == .days, Self.days(value) == nil {
            return "Enter a number of days from 1 to \(Self.longestDays.upperBound), like 7."
        }
        if case .enumeration(let allowed) = column.kind, condition.key == "is" || condition.key == "is_not",
           !allowed.contains(where: { TextFolding.fold($0) == TextFolding.fold(value) }) {
            return "\(column.label) is one of: \(allowed.joined(separator: ", "))."
        }
        return nil
    }

    /// "1,234" reads as a number too (people copy them from the table): a sign, then digits with single
    /// commas between them (a trimmed value; `FilterPattern.wholeNumber` is the same rule as a pattern).
    static func wholeNumber(_ text: String) -> Int? {
        var digits = Substring(text)
        let sign = digits.first == "-" || digits.first == "+" ? String(digits.removeFirst()) : ""
        let groups = digits.split(separator: ",", omittingEmptySubsequences: false)
        guard groups.allSatisfy({ !$0.isEmpty }) else { return nil }
        return RequestNumber.parse(sign + groups.joined(), in: RequestNumber.filterValues)
    }

    /// How many days "in the last/next N days" may count: ten years.
    static let longestDays = 1...3660

    static func days(_ text: String) -> Int? { RequestNumber.parse(text.trimmingCharacters(in: .whitespacesAndNewlines), in: longestDays) }

    /// YYYY-MM-DD in ASCII digits, a day the calendar has.
    static func isDay(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") } }),
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]) else { return false }
        let days = [31, year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return (1...12).contains(month) && day >= 1 && day <= days[month - 1]
    }

    /// The summary's words: Connection Name contains “fleet”; Connection Status is Enabled.
    public var sentence: String {
        guard condition.needsValue else { return "\(column.label) \(condition.phrase)" }
        if condition.template(for: column.kind)?.value == .days {
            let count = Self.days(trimmedValue) ?? 0
            return "\(column.label) \(condition.phrase) \(count == 1 ? "day" : "\(count) days")"
        }
        switch column.kind {
        case .text, .list, .inviteLink: return "\(column.label) \(condition.phrase) “\(trimmedValue)”"
        case .enumeration(let allowed):
            let shown = allowed.first { TextFolding.fold($0) == foldedValue } ?? trimmedValue
            return "\(column.label) \(condition.phrase) \(shown)"
        case .number, .identifier, .date: return "\(column.label) \(condition.phrase) \(trimmedValue)"
        }
    }
}

/// Whether a row must match every filter or at least one.
public enum FilterMatch: String, Sendable, CaseIterable {
    case all, any

    public var conjunction: String { self == .all ? "and" : "or" }
}

/// The filters of a table view, as they travel in the URL: `f`, `op` and `v` once per filter,
/// in order, and `match=any` when any filter may match. Filters may sit in groups (one level, as
/// AG Grid's and Airtable's builders): `g` once per filter names its group (0: none), `gm` the
/// groups' own all/any in group order; `match` then joins the groups and the filters on their own.
/// An address without `g` is one without groups, as before. The API also takes each filter as one
/// word, `filter=column:condition:value` (the value ignored for Is empty and Is not empty), which
/// its document can describe whole (`FilterPattern`); those follow the `f` ones.
public struct FilterSet: Sendable, Equatable {
    public static let maximumCount = 30
    /// The longest `filter=` word: a value of the most characters, with room for its column, condition and
    /// white space; bounded so that the most filters still make an address nginx passes on.
    public static let longestWord = Filter.maximumValueLength + 64

    public static let maximumGroups = 9

    public var filters: [Filter]
    public var match: FilterMatch
    /// How the filters of group n join: `groupMatch[n - 1]`, all when not given.
    public var groupMatch: [FilterMatch]
    /// When and where relative dates are read; not part of the address.
    public var clock = FilterClock()

    public init(_ filters: [Filter] = [], match: FilterMatch = .all, groupMatch: [FilterMatch] = []) {
        self.filters = filters
        self.match = match
        self.groupMatch = groupMatch
    }

    public var isGrouped: Bool { filters.contains { $0.group != 0 } }

    public func match(ofGroup group: Int) -> FilterMatch { groupMatch.indices.contains(group - 1) ? groupMatch[group - 1] : .all }

    /// What `match` joins, in order: each filter on its own, and each group (at its first filter's
    /// place) with its filters; only filters that apply.
    public var terms: [(group: Int, filters: [Filter])] {
        var terms: [(group: Int, filters: [Filter])] = []
        for filter in applicable {
            if filter.group != 0, let index = terms.firstIndex(where: { $0.group == filter.group }) {
                terms[index].filters.append(filter)
            } else {
                terms.append((filter.group, [filter]))
            }
        }
        return terms
    }

    public var isEmpty: Bool { filters.isEmpty }

    /// The filters that can apply; the others wait, with their problem shown, for the user to fix.
    public var applicable: [Filter] { filters.filter { $0.problem == nil } }

    public var hasProblems: Bool { filters.contains { $0.problem != nil } }

    /// Reads the filters from the query; a column, condition or shape no form produces is a 400.
    public static func parse(_ query: [(name: String, value: String)]) throws(UserError) -> FilterSet {
        var columns = query.filter { $0.name == "f" }.map(\.value)
        var conditions = query.filter { $0.name == "op" }.map(\.value)
        var values = query.filter { $0.name == "v" }.map(\.value)
        if values.isEmpty { values = Array(repeating: "", count: columns.count) }
        guard columns.count == conditions.count, columns.count == values.count else {
            throw .badRequest("Each filter needs a column (f), a condition (op) and a value (v); this address has \(columns.count), \(conditions.count) and \(values.count).")
        }
        for word in query where word.name == "filter" {
            guard word.value.unicodeScalars.count <= longestWord else {
                throw .badRequest("A filter is at most \(longestWord) characters, its value at most \(Filter.maximumValueLength).")
            }
            let parts = word.value.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else {
                throw .badRequest("Write a filter as column:condition:value (the value may be empty), not “\(word.value.prefix(80))”.")
            }
            columns.append(String(parts[0]))
            conditions.append(String(parts[1]))
            values.append(String(parts[2]))
        }
        guard columns.count <= maximumCount else { throw .badRequest("Use at most \(maximumCount) filters at once.") }
        var set = FilterSet()
        for index in columns.indices {
            guard let column = ColumnCatalog.column(columns[index]) else {
                throw .badRequest("Cannot filter by “\(columns[index].prefix(80))”: there is no such column.")
            }
            guard let condition = FilterConditions.condition(conditions[index]) else {
                throw .badRequest("“\(conditions[index].prefix(80))” is not a filter condition. Use one of: \(FilterConditions.all.map(\.key).joined(separator: ", ")).")
            }
            set.filters.append(Filter(column: column, condition: condition, value: values[index]))
        }
        if let match = query.last(where: { $0.name == "match" })?.value {
            guard let mode = FilterMatch(rawValue: match) else {
                throw .badRequest("“match” must be “all” or “any”, not “\(match.prefix(80))”.")
            }
            set.match = mode
        }
        try set.parseGroups(query)
        return set
    }

    /// `g` (a group per filter, 0 for none) and `gm` (each group's all/any, in group order; commas or repeated).
    mutating func parseGroups(_ query: [(name: String, value: String)]) throws(UserError) {
        // In the filters' order; a filter without a `g` is on its own, a `g` past the last filter names none.
        let groups = query.filter { $0.name == "g" }.map(\.value)
        guard groups.count <= Self.maximumCount else { throw .badRequest("Give at most one group (g) per filter.") }
        for (index, text) in groups.enumerated() {
            guard let group = RequestNumber.parse(text, in: 0...Self.maximumGroups) else {
                throw .badRequest("A filter's group (g) is a number from 0 (none) to \(Self.maximumGroups), not “\(text.prefix(80))”.")
            }
            if filters.indices.contains(index) { filters[index].group = group }
        }
        // An empty `gm` is an empty list (as an API client writes one).
        let matches = query.filter { $0.name == "gm" && !$0.value.isEmpty }.flatMap { $0.value.split(separator: ",", omittingEmptySubsequences: false) }
        guard matches.count <= Self.maximumGroups else { throw .badRequest("There are at most \(Self.maximumGroups) filter groups.") }
        groupMatch = try matches.map { text throws(UserError) in
            guard let mode = FilterMatch(rawValue: String(text)) else {
                throw .badRequest("A group's match (gm) must be “all” or “any”, not “\(text.prefix(80))”.")
            }
            return mode
        }
        // All is the default: kept short, so a state and its address compare equal.
        while groupMatch.last == .all { groupMatch.removeLast() }
    }

    public var queryPairs: [(name: String, value: String)] {
        var pairs: [(name: String, value: String)] = []
        let grouped = isGrouped
        for filter in filters {
            pairs += [("f", filter.column.key), ("op", filter.condition.key), ("v", filter.value)]
            if grouped { pairs.append(("g", String(filter.group))) }
        }
        if match == .any && !filters.isEmpty { pairs.append(("match", "any")) }
        if grouped, let last = groupMatch.lastIndex(of: .any) {
            pairs.append(("gm", groupMatch[...last].map(\.rawValue).joined(separator: ",")))
        }
        return pairs
    }

    /// "where Connection Name contains “fleet” and Connection Status is Enabled"; a group of
    /// several in parentheses: "where (Connection Name contains “a” or … ) and …".
    public var sentence: String {
        let terms = self.terms
        guard !terms.isEmpty else { return "" }
        return "where " + terms.map { term in
            let words = term.filters.map(\.sentence).joined(separator: " \(match(ofGroup: term.group).conjunction) ")
            return term.filters.count > 1 ? "(\(words))" : words
        }.joined(separator: " \(match.conjunction) ")
    }

    public func removing(at index: Int) -> FilterSet {
        var copy = self
        if copy.filters.indices.contains(index) { copy.filters.remove(at: index) }
        return copy
    }
}
