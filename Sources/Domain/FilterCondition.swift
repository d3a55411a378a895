/// The conditions of the filter builder: one entry each, with the SQL that decides a match
/// for every shape of column, in the manner of Datasette's filters.py.
///
/// In a template, `{c}` is the column's SQL expression and the value is bound as a parameter:
/// `{v}` the user's text trimmed and case-folded, `{n}` a whole number, `{d}` a day (YYYY-MM-DD).
/// Values are never spliced into SQL, so `%`, `_`, `\` and quotes match themselves.
public struct FilterCondition: Sendable, Equatable {
    public let key: String
    public let label: String
    /// How the summary reads: Connection Name *contains* “fleet”.
    public let phrase: String
    public let needsValue: Bool
    /// What a trigram index on the column can do for this condition.
    let searchIndexUse: SearchIndexUse
    let templates: [ValueShape: String]

    public func applies(to kind: ColumnKind) -> Bool { template(for: kind) != nil }

    func template(for kind: ColumnKind) -> String? { templates[ValueShape(kind)] }
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
    /// In the drop-down's order: the three of the page description first.
    public static let all: [FilterCondition] = [
        FilterCondition(key: "contains", label: "Contains", phrase: "contains", needsValue: true, searchIndexUse: .decides(negated: false), templates: [
            .text: "instr(fold({c}), {v}) > 0", .list: "instr(fold({c}), {v}) > 0",
            .number: "instr({c}, {v}) > 0", .date: "instr(fold({c}), {v}) > 0"]),
        FilterCondition(key: "not_contains", label: "Does Not Contain", phrase: "does not contain", needsValue: true, searchIndexUse: .decides(negated: true), templates: [
            .text: "instr(fold({c}), {v}) = 0", .list: "instr(fold({c}), {v}) = 0",
            .number: "instr({c}, {v}) = 0", .date: "instr(fold({c}), {v}) = 0"]),
        FilterCondition(key: "is", label: "Is", phrase: "is", needsValue: true, searchIndexUse: .proposes, templates: [
            .text: "fold(trim({c})) = {v}",
            .list: "instr(char(10) || fold({c}) || char(10), char(10) || {v} || char(10)) > 0",
            .number: "{c} = {n}", .date: "substr({c}, 1, 10) = {d}"]),
        FilterCondition(key: "is_not", label: "Is not", phrase: "is not", needsValue: true, searchIndexUse: .none, templates: [
            .text: "fold(trim({c})) <> {v}",
            .list: "instr(char(10) || fold({c}) || char(10), char(10) || {v} || char(10)) = 0",
            .number: "{c} <> {n}", .date: "substr({c}, 1, 10) <> {d}"]),
        FilterCondition(key: "starts", label: "Starts with", phrase: "starts with", needsValue: true, searchIndexUse: .proposes, templates: [
            .text: "instr(fold(trim({c})), {v}) = 1", .list: "instr(char(10) || fold({c}), char(10) || {v}) > 0",
            .number: "instr({c}, {v}) = 1", .date: "instr(fold({c}), {v}) = 1"]),
        FilterCondition(key: "ends", label: "Ends with", phrase: "ends with", needsValue: true, searchIndexUse: .proposes, templates: [
            .text: "substr(fold(trim({c})), -length({v})) = {v}", .list: "instr(fold({c}) || char(10), {v} || char(10)) > 0",
            .number: "substr({c}, -length({v})) = {v}", .date: "substr(fold({c}), -length({v})) = {v}"]),
        FilterCondition(key: "empty", label: "Is empty", phrase: "is empty", needsValue: false, searchIndexUse: .none, templates: [
            .text: "trim({c}) = ''", .list: "{c} = ''", .number: "{c} IS NULL", .date: "{c} IS NULL"]),
        FilterCondition(key: "not_empty", label: "Is not empty", phrase: "is not empty", needsValue: false, searchIndexUse: .none, templates: [
            .text: "trim({c}) <> ''", .list: "{c} <> ''", .number: "{c} IS NOT NULL", .date: "{c} IS NOT NULL"]),
        FilterCondition(key: "gt", label: "Greater than", phrase: "is greater than", needsValue: true, searchIndexUse: .none, templates: [
            .number: "{c} > {n}", .date: "substr({c}, 1, 10) > {d}"]),
        FilterCondition(key: "lt", label: "Less than", phrase: "is less than", needsValue: true, searchIndexUse: .none, templates: [
            .number: "{c} < {n}", .date: "substr({c}, 1, 10) < {d}"]),
    ]

    private static let byKey = Dictionary(uniqueKeysWithValues: all.map { ($0.key, $0) })

    public static func condition(_ key: String) -> FilterCondition? { byKey[key] }
}
