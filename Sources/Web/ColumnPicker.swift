import Domain
import FastCGI

/// The Columns panel above the table, as template context: every catalog column with a
/// checkbox and its place in the order.
struct ColumnPicker {
    /// The columns in the picker's order and which of them show.
    let order: [Column]
    let shown: Set<String>
    /// The table's address without `cols` and `page`, where saving returns to.
    let back: String
    let open: Bool
    let problem: String?

    init(choice: ColumnChoice, allowed: [Column], state: TableState, open: Bool, draft: (order: [Column], shown: Set<String>)? = nil,
         problem: String? = nil) {
        order = draft?.order ?? choice.pickerOrder(allowed: allowed)
        shown = draft?.shown ?? Set(choice.columns.map(\.key))
        var base = state
        base.columns = nil
        base.page = 1
        back = URLEncoding.encode(base.queryPairs)
        self.open = open || problem != nil
        self.problem = problem
    }

    func context(shareURL: String) -> TemplateValue {
        [
            "open": .bool(open),
            "back": .text(back),
            "problem": problem.map(TemplateValue.text) ?? false,
            "shareURL": .text(shareURL),
            "columns": .list(order.enumerated().map { index, column in
                ["key": .text(column.key), "label": .text(column.label), "shown": .bool(shown.contains(column.key)),
                 "first": .bool(index == 0), "last": .bool(index == order.count - 1)]
            }),
        ]
    }
}

/// POST /connections/columns: the picker's buttons. Apply saves the ticked columns in their
/// order; the arrows, Select all and Reset save at once too, so the choice follows the user.
struct ColumnsAction {
    let page: Page

    func respond() throws -> Response {
        let form = page.request.form
        let state = try TableState.parse(URLEncoding.parse(page.request.formValue("back") ?? ""))
        let allowed = try TableScope(state, access: page.access).columns
        var order: [Column] = []
        for key in form.filter({ $0.name == "order" }).map(\.value) {
            guard let column = ColumnCatalog.column(key), !order.contains(column) else {
                throw UserError.badRequest("The column list was not understood (“\(key.prefix(80))”). Reload the page and try again.")
            }
            order.append(column)
        }
        guard !order.isEmpty else { throw UserError.badRequest("The column list was not understood. Reload the page and try again.") }
        // A page opened before a role changed may list other columns: keep those the user may see now.
        order = order.filter(allowed.contains) + allowed.filter { !order.contains($0) }
        var shown = Set(form.filter { $0.name == "show" }.map(\.value))
        let preferences = ColumnPreferences(database: page.database)
        let action = page.request.formValue("action") ?? "apply"
        var keepOpen = true
        switch action {
        case "reset":
            try preferences.reset(userID: page.access.userID)
            return .redirect(to: ConnectionsPage.url(state, path: "/connections", editing: "columns") + "#column-panel")
        case "all":
            shown = Set(order.map(\.key))
        case "apply":
            keepOpen = false
        default:
            let parts = action.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, let index = order.firstIndex(where: { $0.key == parts[1] }), ["up", "down"].contains(parts[0]) else {
                throw UserError.badRequest("“\(action.prefix(80))” is not something the column picker does.")
            }
            let target = parts[0] == "up" ? index - 1 : index + 1
            if order.indices.contains(target) { order.swapAt(index, target) }
        }
        let chosen = order.filter { shown.contains($0.key) }
        guard let choice = try? ColumnChoice(chosen) else {
            return try ConnectionsPage(page: page).respond(state: state, columnDraft: (order, shown),
                                                          columnProblem: "Keep at least one column besides Action.")
        }
        try preferences.save(choice, userID: page.access.userID)
        return .redirect(to: ConnectionsPage.url(state, path: "/connections", editing: keepOpen ? "columns" : nil) + "#column-panel")
    }
}
