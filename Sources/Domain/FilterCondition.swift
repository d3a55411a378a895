import Storage

/// The conditions of the filter builder: one entry each, with the SQL that decides a match
/// for every shape of column, in the manner of Datasette's filters.py.
///
/// A template is given the column's SQL expression and the value, bound as a parameter: the
/// user's text trimmed and case-folded, a whole number, or a day (YYYY-MM-DD), as it says.
/// Values are never spliced into SQL, so `%`, `_`, `\` and quotes match themselves.
public struct FilterCondition: Sendable, Equatable {
    public let key: String
    public let label: String
    /// How the summary reads: Connection Name *contains* “fleet”.
    public let phrase: String
    public let needsValue: Bool
    /// What a trigram index on the column can do for this condition.
    let searchIndexUse: SearchIndexUse
    let templates: [ValueShape: FilterTemplate]

    public func applies(to kind: ColumnKind) -> Bool { template(for: kind) != nil }

    func template(for kind: ColumnKind) -> FilterTemplate? { templates[ValueShape(kind)] }

    /// One entry per key.
    public static func == (left: FilterCondition, right: FilterCondition) -> Bool { left.key == right.key }
}

/// A condition's SQL for one shape of column, from the column's expression and the bound value,
/// or, for a relative date, the period it keeps on the day the query runs.
struct FilterTemplate: Sendable {
    /// What the value is: `days` a count of days (1 to `Filter.longestDays`).
    enum Value: Sendable { case none, text, number, day, days }

    enum Build: Sendable {
        case compare(@Sendable (_ column: SQLFragment, _ value: SQLFragment) -> SQLFragment)
        case period(@Sendable (_ value: String, _ clock: FilterClock) -> FilterPeriod)
    }

    let value: Value
    let build: Build

    init(value: Value, sql: @escaping @Sendable (_ column: SQLFragment, _ value: SQLFragment) -> SQLFragment) {
        self.value = value
        self.build = .compare(sql)
    }

    init(value: Value, period: @escaping @Sendable (_ value: String, _ clock: FilterClock) -> FilterPeriod) {
        self.value = value
        self.build = .period(period)
    }

    static func text(_ sql: @escaping @Sendable (SQLFragment, SQLFragment) -> SQLFragment) -> FilterTemplate { FilterTemplate(value: .text, sql: sql) }
    static func number(_ sql: @escaping @Sendable (SQLFragment, SQLFragment) -> SQLFragment) -> FilterTemplate { FilterTemplate(value: .number, sql: sql) }
    static func day(_ sql: @escaping @Sendable (SQLFragment, SQLFragment) -> SQLFragment) -> FilterTemplate { FilterTemplate(value: .day, sql: sql) }
    static func days(_ value: Value, _ sql: @escaping @Sendable (SQLFragment, SQLFragment) -> SQLFragment) -> FilterTemplate { FilterTemplate(value: value, sql: sql) }
    static func noValue(_ sql: @escaping @Sendable (SQLFragment) -> SQLFragment) -> FilterTemplate { FilterTemplate(value: .none) { column, _ in sql(column) } }
}

enum SearchIndexUse: Sendable, Equatable {
    case none
    /// The index's rows are exactly the matches (or, negated, exactly the rows that do not match).
    case decides(negated: Bool)
    /// Every match contains the value, so the index proposes candidates the template confirms.
    case proposes
}

/// How a column's values compare, which decides the template a condition uses.
enum ValueShape: Sendable {
    /// Text and enumerations: folded, trimmed for whole-value comparisons.
    case text
    /// One item per line: Is and Starts with look at each item.
    case list
    case number
    case date

    /// Invite links compare as text (their token: see `Filter.foldedValue`); only those who may
    /// see the column may filter by it (`TableState.requireColumns`).
    init(_ kind: ColumnKind) {
        switch kind {
        case .text, .enumeration, .inviteLink: self = .text
        case .list: self = .list
        case .number, .identifier: self = .number
        case .date: self = .date
        }
    }
}

public enum FilterConditions {
    private static let newline = SQLFragment.character(10)

    /// In the drop-down's order: the three of the page description first.
    public static let all: [FilterCondition] = [
        FilterCondition(key: "contains", label: "Contains", phrase: "contains", needsValue: true, searchIndexUse: .decides(negated: false), templates: [
            .text: .text { c, v in "\(.position(of: v, in: "fold(\(c))")) > 0" }, .list: .text { c, v in "\(.position(of: v, in: "fold(\(c))")) > 0" },
            .number: .text { c, v in "\(.position(of: v, in: c, number: true)) > 0" }, .date: .text { c, v in "\(.position(of: v, in: "fold(\(c))")) > 0" }]),
        FilterCondition(key: "not_contains", label: "Does Not Contain", phrase: "does not contain", needsValue: true, searchIndexUse: .decides(negated: true), templates: [
            .text: .text { c, v in "\(.position(of: v, in: "fold(\(c))")) = 0" }, .list: .text { c, v in "\(.position(of: v, in: "fold(\(c))")) = 0" },
            .number: .text { c, v in "\(.position(of: v, in: c, number: true)) = 0" }, .date: .text { c, v in "\(.position(of: v, in: "fold(\(c))")) = 0" }]),
        FilterCondition(key: "is", label: "Is", phrase: "is", needsValue: true, searchIndexUse: .proposes, templates: [
            .text: .text { c, v in "fold(trim(\(c))) = \(v)" },
            .list: .text { c, v in "\(.position(of: "\(newline) || \(v) || \(newline)", in: "\(newline) || fold(\(c)) || \(newline)")) > 0" },
            .number: .number { c, n in "\(c) = \(n)" }, .date: .day { c, d in "substr(\(c), 1, 10) = \(d)" }]),
        FilterCondition(key: "is_not", label: "Is not", phrase: "is not", needsValue: true, searchIndexUse: .none, templates: [
            .text: .text { c, v in "fold(trim(\(c))) <> \(v)" },
            .list: .text { c, v in "\(.position(of: "\(newline) || \(v) || \(newline)", in: "\(newline) || fold(\(c)) || \(newline)")) = 0" },
            .number: .number { c, n in "\(c) <> \(n)" }, .date: .day { c, d in "substr(\(c), 1, 10) <> \(d)" }]),
        FilterCondition(key: "starts", label: "Starts with", phrase: "starts with", needsValue: true, searchIndexUse: .proposes, templates: [
            .text: .text { c, v in "\(.position(of: v, in: "fold(trim(\(c)))")) = 1" },
            .list: .text { c, v in "\(.position(of: "\(newline) || \(v)", in: "\(newline) || fold(\(c))")) > 0" },
            .number: .text { c, v in "\(.position(of: v, in: c, number: true)) = 1" }, .date: .text { c, v in "\(.position(of: v, in: "fold(\(c))")) = 1" }]),
        FilterCondition(key: "ends", label: "Ends with", phrase: "ends with", needsValue: true, searchIndexUse: .proposes, templates: [
            .text: .text { c, v in .endsWith("fold(trim(\(c)))", v) },
            .list: .text { c, v in "\(.position(of: "\(v) || \(newline)", in: "fold(\(c)) || \(newline)")) > 0" },
            .number: .text { c, v in .endsWith(c, v, number: true) }, .date: .text { c, v in .endsWith("fold(\(c))", v) }]),
        FilterCondition(key: "empty", label: "Is empty", phrase: "is empty", needsValue: false, searchIndexUse: .none, templates: [
            .text: .noValue { c in "trim(\(c)) = ''" }, .list: .noValue { c in "\(c) = ''" },
            .number: .noValue { c in "\(c) IS NULL" }, .date: .noValue { c in "\(c) IS NULL" }]),
        FilterCondition(key: "not_empty", label: "Is not empty", phrase: "is not empty", needsValue: false, searchIndexUse: .none, templates: [
            .text: .noValue { c in "trim(\(c)) <> ''" }, .list: .noValue { c in "\(c) <> ''" },
            .number: .noValue { c in "\(c) IS NOT NULL" }, .date: .noValue { c in "\(c) IS NOT NULL" }]),
        FilterCondition(key: "gt", label: "Greater than", phrase: "is greater than", needsValue: true, searchIndexUse: .none, templates: [
            .number: .number { c, n in "\(c) > \(n)" }, .date: .day { c, d in "substr(\(c), 1, 10) > \(d)" }]),
        FilterCondition(key: "lt", label: "Less than", phrase: "is less than", needsValue: true, searchIndexUse: .none, templates: [
            .number: .number { c, n in "\(c) < \(n)" }, .date: .day { c, d in "substr(\(c), 1, 10) < \(d)" }]),
    ] + relativeDates

    /// Dates relative to the day the query runs, counted in the organization's time zone (`FilterClock`):
    /// an address or a view keeps "today", never the day it was written. Days are whole calendar days.
    static let relativeDates: [FilterCondition] = [
        FilterCondition(key: "today", label: "Is today", phrase: "is today", needsValue: false, searchIndexUse: .none, templates: [
            .date: FilterTemplate(value: .none) { _, clock in FilterPeriod(from: clock.startOfDay(), before: clock.startOfDay(1)) }]),
        FilterCondition(key: "this_week", label: "Is this week", phrase: "is this week", needsValue: false, searchIndexUse: .none, templates: [
            .date: FilterTemplate(value: .none) { _, clock in clock.start(of: .weekOfYear) }]),
        FilterCondition(key: "this_month", label: "Is this month", phrase: "is this month", needsValue: false, searchIndexUse: .none, templates: [
            .date: FilterTemplate(value: .none) { _, clock in clock.start(of: .month) }]),
        FilterCondition(key: "last_days", label: "In the last N days", phrase: "is in the last", needsValue: true, searchIndexUse: .none, templates: [
            .date: FilterTemplate(value: .days) { n, clock in FilterPeriod(from: clock.startOfDay(-(Filter.days(n) ?? 0)), before: clock.startOfDay(1)) }]),
        FilterCondition(key: "next_days", label: "In the next N days", phrase: "is in the next", needsValue: true, searchIndexUse: .none, templates: [
            .date: FilterTemplate(value: .days) { n, clock in FilterPeriod(from: clock.startOfDay(), before: clock.startOfDay((Filter.days(n) ?? 0) + 1)) }]),
        FilterCondition(key: "before", label: "Before", phrase: "is before", needsValue: true, searchIndexUse: .none, templates: [
            .date: FilterTemplate(value: .day) { d, clock in FilterPeriod(from: nil, before: clock.startOf(day: d)) }]),
        FilterCondition(key: "after", label: "After", phrase: "is after", needsValue: true, searchIndexUse: .none, templates: [
            .date: FilterTemplate(value: .day) { d, clock in FilterPeriod(from: clock.startOf(day: d, plus: 1), before: nil) }]),
    ]

    private static let byKey = Dictionary(uniqueKeysWithValues: all.map { ($0.key, $0) })

    public static func condition(_ key: String) -> FilterCondition? { byKey[key] }
}
