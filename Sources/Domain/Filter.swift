import Foundation
import Storage

/// One row of the filter builder: a column, a condition and the value as the user typed it.
public struct Filter: Sendable, Equatable {
    public var column: Column
    public var condition: FilterCondition
    public var value: String

    public static let maximumValueLength = 200

    public init(column: Column, condition: FilterCondition, value: String) {
        self.column = column
        self.condition = condition
        self.value = value
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
        if template.value == .nextDays || template.value == .lastDays, Self.dayCount(value) == nil {
            return "Enter a number of days, from 0 to \(FilterConditions.mostDays), like 30."
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

    /// A relative date's number of days: ASCII digits only, 0 to `FilterConditions.mostDays`.
    static func dayCount(_ text: String) -> Int? {
        guard text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return RequestNumber.parse(text, in: 0...FilterConditions.mostDays)
    }

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
        switch column.kind {
        case .text, .list, .inviteLink: return "\(column.label) \(condition.phrase) “\(trimmedValue)”"
        case .enumeration(let allowed):
            let shown = allowed.first { TextFolding.fold($0) == foldedValue } ?? trimmedValue
            return "\(column.label) \(condition.phrase) \(shown)"
        case .date where condition.template(for: .date).map({ $0.value == .nextDays || $0.value == .lastDays }) == true:
            return "\(column.label) \(condition.phrase) \(trimmedValue) days"
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
/// in order, and `match=any` when any filter may match. The API also takes each filter as one
/// word, `filter=column:condition:value` (the value ignored for Is empty and Is not empty), which
/// its document can describe whole (`FilterPattern`); those follow the `f` ones.
public struct FilterSet: Sendable, Equatable {
    public static let maximumCount = 30
    /// The longest `filter=` word: a value of the most characters, with room for its column, condition and
    /// white space; bounded so that the most filters still make an address nginx passes on.
    public static let longestWord = Filter.maximumValueLength + 64

    public var filters: [Filter]
    public var match: FilterMatch

    public init(_ filters: [Filter] = [], match: FilterMatch = .all) {
        self.filters = filters
        self.match = match
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
        return set
    }

    public var queryPairs: [(name: String, value: String)] {
        var pairs: [(name: String, value: String)] = []
        for filter in filters {
            pairs += [("f", filter.column.key), ("op", filter.condition.key), ("v", filter.value)]
        }
        if match == .any && !filters.isEmpty { pairs.append(("match", "any")) }
        return pairs
    }

    /// "where Connection Name contains “fleet” and Connection Status is Enabled".
    public var sentence: String {
        applicable.isEmpty ? "" : "where " + applicable.map(\.sentence).joined(separator: " \(match.conjunction) ")
    }

    public func removing(at index: Int) -> FilterSet {
        var copy = self
        if copy.filters.indices.contains(index) { copy.filters.remove(at: index) }
        return copy
    }
}
