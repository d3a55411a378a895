import Domain
import FastCGI
import Foundation

/// The filter builder and the summary above the table, as template context.
struct FilterPanel {
    let state: TableState
    /// The URL of a table state, keeping everything else the page shows.
    let url: (TableState) -> String
    /// A blank row was asked for without JavaScript.
    let addingRow: Bool
    /// The user is editing: keep the panel open.
    let editing: Bool
    /// The columns this user may filter by here.
    let columns: [Column]

    init(state: TableState, url: @escaping (TableState) -> String, addingRow: Bool, editing: Bool, allowed: [Column]) {
        self.state = state
        self.url = url
        self.addingRow = addingRow
        self.editing = editing
        columns = Self.filterable.filter(allowed.contains)
    }

    static let newRowColumn = ColumnCatalog.column("name")!

    /// Columns some condition applies to.
    static let filterable = ColumnCatalog.all.filter { column in FilterConditions.all.contains { $0.applies(to: column.kind) } }

    /// The columns and conditions, for the script that adds rows in place. Served on their own and
    /// cached for good (the address changes with the content), so table pages do not carry them.
    /// Two variants: with the columns that need a permission, and without them.
    static let catalogs: [Bool: (json: String, version: String)] = Dictionary(uniqueKeysWithValues: [true, false].map { withRestricted in
        let json = catalogJSON(filterable.filter { withRestricted || $0.seenWith == nil })
        return (withRestricted, (json, Fingerprint.of(json)))
    })

    static func catalogJSON(_ filterable: [Column]) -> String {
        let columns: [JSON] = filterable.map { column in
            var entry: [String: JSON] = ["key": .string(column.key), "label": .string(column.label),
                                         "ordered": .bool(orderingConditions.allSatisfy { $0.applies(to: column.kind) })]
            if column.kind == .date { entry["date"] = .bool(true) }
            if case .enumeration(let allowed) = column.kind { entry["choices"] = .array(allowed.map(JSON.string)) }
            return .sorted(entry)
        }
        let conditions: [JSON] = FilterConditions.all.map { condition in
            .sorted(["key": .string(condition.key), "label": .string(condition.label), "ordering": .bool(orderingConditions.contains(condition)),
                     "dateOnly": .bool(dateConditions.contains(condition)),
                     "noValue": .bool(!condition.needsValue), "day": .bool(dayConditions.contains(condition.key))])
        }
        return JSON.sorted(["columns": .array(columns), "conditions": .array(conditions),
                            "groups": .array((0...offeredGroups).map { .string(groupLabel($0)) })]).text
    }

    /// The groups a row's Group drop-down offers (an address may use up to `FilterSet.maximumGroups`).
    static let offeredGroups = 3

    static func groupLabel(_ group: Int) -> String { group == 0 ? "No group" : "Group \(group)" }

    /// GET /connections/filter-catalog?v=…&all=1|0: column names only, no values.
    static func catalogResponse(_ request: Request) -> Response {
        Response(headers: [("Content-Type", "application/json"), ("Cache-Control", "private, max-age=31536000, immutable")],
                 body: .bytes(Array(catalogs[request.queryValue("all") == "1"]!.json.utf8)))
    }

    /// Conditions only for numbers and dates; the script offers them only for those columns.
    static let orderingConditions = FilterConditions.all.filter { !$0.applies(to: .text) && $0.applies(to: .number) }

    /// Conditions only for dates (today, in the last N days, before, ...); the script offers them only for dates.
    static let dateConditions = FilterConditions.all.filter { !$0.applies(to: .text) && !$0.applies(to: .number) }

    /// The conditions that read a date's value as a day (`YYYY-MM-DD`, README "Filters"): their value
    /// is typed in a date field; Contains and the others read the stored text.
    static let dayConditions: Set<String> = ["is", "is_not", "gt", "lt", "before", "after"]

    var isOpen: Bool { addingRow || editing || state.filters.hasProblems }

    func context() -> TemplateValue {
        var rows = state.filters.filters.enumerated().map { rowContext($1, index: $0, problem: $1.problem) }
        if addingRow {
            let blank = Filter(column: Self.newRowColumn, condition: FilterConditions.all[0], value: "")
            rows.append(rowContext(blank, index: rows.count, problem: nil))
        }
        var cleared = state
        cleared.filters = FilterSet()
        cleared.page = 1
        return [
            "groupMatches": .list(state.filters.filters.map(\.group).max().map { highest in
                highest < 1 ? [] : (1...highest).map { group in
                    ["number": .text(group), "any": .bool(state.filters.match(ofGroup: group) == .any)] as TemplateValue
                }
            } ?? []),
            "open": .bool(isOpen),
            "activeCount": .text(state.filters.applicable.count),
            "hasActive": .bool(!state.filters.applicable.isEmpty),
            "matchAny": .bool(state.filters.match == .any),
            "rows": .list(rows),
            "clearURL": .text(url(cleared) + "#filter-panel"),
            "catalogURL": .text(catalogURL),
        ]
    }

    var catalogURL: String {
        let withRestricted = columns.contains { $0.seenWith != nil }
        return "/connections/filter-catalog?v=\(Self.catalogs[withRestricted]!.version)&all=\(withRestricted ? 1 : 0)"
    }

    /// "where … and …" with one chip per applied filter; each chip's link drops just that filter.
    func summary(total: Int) -> TemplateValue {
        let applied = state.filters.filters.enumerated().filter { $0.element.problem == nil }
        guard !applied.isEmpty else { return false }
        return [
            "sentence": .text("\(Format.integer(total)) \(total == 1 ? "connection" : "connections") \(state.filters.sentence)"),
            "chips": .list(applied.map { index, filter in
                var without = state
                without.filters = state.filters.removing(at: index)
                without.page = 1
                // Focus comes back to the chips left, or to the Filter button when none is.
                return ["text": .text(filter.sentence), "removeURL": .text(url(without) + (applied.count > 1 ? "#filter-summary" : "#filter-panel"))]
            }),
        ]
    }

    func rowContext(_ filter: Filter, index: Int, problem: String?) -> TemplateValue {
        let id = String(index)
        var choices: [TemplateValue]?
        if case .enumeration(let allowed) = filter.column.kind, filter.condition.key == "is" || filter.condition.key == "is_not" {
            let chosen = filter.trimmedValue.lowercased()
            choices = allowed.map { ["value": .text($0), "selected": .bool($0.lowercased() == chosen)] }
        }
        return [
            "id": .text(id),
            "index": .text(index),
            "number": .text(index + 1),
            "columns": .list(columns.map { column in
                ["key": .text(column.key), "label": .text(column.label), "selected": .bool(column == filter.column),
                 "ordered": .bool(Self.orderingConditions.allSatisfy { $0.applies(to: column.kind) }),
                 "date": .bool(column.kind == .date),
                 "choices": .text(Self.choicesAttribute(column.kind))]
            }),
            "conditions": .list(FilterConditions.all.map { condition in
                ["key": .text(condition.key), "label": .text(condition.label), "selected": .bool(condition == filter.condition),
                 "needsValue": .bool(condition.needsValue), "ordering": .bool(Self.orderingConditions.contains(condition)),
                 "dateOnly": .bool(Self.dateConditions.contains(condition)),
                 "day": .bool(Self.dayConditions.contains(condition.key))]
            }),
            "groups": .list((0...max(Self.offeredGroups, filter.group)).map { group in
                ["value": .text(group), "label": .text(Self.groupLabel(group)), "selected": .bool(group == filter.group)]
            }),
            "value": .text(filter.value),
            "inputType": .text(filter.column.kind == .date && Self.dayConditions.contains(filter.condition.key) ? "date" : "text"),
            "choices": .list(choices ?? []),
            "hasChoices": .bool(choices != nil),
            "hidesValue": .bool(!filter.condition.needsValue),
            "problem": problem.map(TemplateValue.text) ?? false,
        ]
    }

    /// The allowed values, one per line, for the script that offers them as a drop-down.
    static func choicesAttribute(_ kind: ColumnKind) -> String {
        if case .enumeration(let allowed) = kind { return allowed.joined(separator: "\n") }
        return ""
    }
}
