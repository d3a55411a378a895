import Domain

/// The filter builder and the summary above the table, as template context.
struct FilterPanel {
    let state: TableState
    /// The URL of a table state, keeping everything else the page shows.
    let url: (TableState) -> String
    /// A blank row was asked for without JavaScript.
    let addingRow: Bool
    /// The user is editing: keep the panel open.
    let editing: Bool

    static let newRowColumn = ColumnCatalog.column("name")!

    var isOpen: Bool { addingRow || editing || state.filters.hasProblems }

    func context() -> TemplateValue {
        var rows = state.filters.filters.enumerated().map { rowContext($1, index: $0, problem: $1.problem) }
        if addingRow || state.filters.isEmpty {
            let blank = Filter(column: Self.newRowColumn, condition: FilterConditions.all[0], value: "")
            rows.append(rowContext(blank, index: rows.count, problem: nil))
        }
        var cleared = state
        cleared.filters = FilterSet()
        cleared.page = 1
        return [
            "open": .bool(isOpen),
            "activeCount": .text(state.filters.applicable.count),
            "hasActive": .bool(!state.filters.applicable.isEmpty),
            "matchAny": .bool(state.filters.match == .any),
            "rows": .list(rows),
            "clearURL": .text(url(cleared)),
            "blankRow": rowContext(Filter(column: Self.newRowColumn, condition: FilterConditions.all[0], value: ""), index: -1, problem: nil),
        ]
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
                return ["text": .text(filter.sentence), "removeURL": .text(url(without))]
            }),
        ]
    }

    func rowContext(_ filter: Filter, index: Int, problem: String?) -> TemplateValue {
        let id = index < 0 ? "new" : String(index)
        var choices: [TemplateValue]?
        if case .enumeration(let allowed) = filter.column.kind, filter.condition.key == "is" || filter.condition.key == "is_not" {
            let chosen = filter.trimmedValue.lowercased()
            choices = allowed.map { ["value": .text($0), "selected": .bool($0.lowercased() == chosen)] }
        }
        return [
            "id": .text(id),
            "index": .text(index),
            "number": .text(index + 1),
            "columns": .list(ColumnCatalog.all.map { column in
                ["key": .text(column.key), "label": .text(column.label), "selected": .bool(column == filter.column),
                 "conditions": .text(FilterConditions.all.filter { $0.applies(to: column.kind) }.map(\.key).joined(separator: " ")),
                 "choices": .text(Self.choicesAttribute(column.kind))]
            }),
            "conditions": .list(FilterConditions.all.map { condition in
                ["key": .text(condition.key), "label": .text(condition.label), "selected": .bool(condition == filter.condition),
                 "needsValue": .bool(condition.needsValue)]
            }),
            "value": .text(filter.value),
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
