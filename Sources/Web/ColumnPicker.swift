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
    let standardOrder: [Column]

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
        standardOrder = ColumnChoice.standard.restricted(to: allowed).pickerOrder(allowed: allowed)
    }

    func context(shareURL: String) -> TemplateValue {
        [
            "open": .bool(open),
            "back": .text(back),
            "problem": problem.map(TemplateValue.text) ?? false,
            "shareURL": .text(shareURL),
            // What Reset to default restores, for the script that does it in place.
            "standardOrder": .text(standardOrder.map(\.key).joined(separator: ",")),
            "standardShown": .text(ColumnChoice.standard.restricted(to: standardOrder).keys),
            "columns": .list(order.enumerated().map { index, column in
                ["key": .text(column.key), "label": .text(column.label), "shown": .bool(shown.contains(column.key)),
                 "first": .bool(index == 0), "last": .bool(index == order.count - 1)]
            }),
        ]
    }
}

/// POST /connections/columns: the picker's buttons. Apply saves the ticked columns in their
/// order; the arrows, Select all and Reset only change the picker (without JavaScript, the page
/// again with the picker's draft), so that every change waits for Apply, as with JavaScript.
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
        let action = page.request.formValue("action") ?? "apply"
        switch action {
        case "reset":
            let standard = ColumnChoice.standard.restricted(to: allowed)
            order = standard.pickerOrder(allowed: allowed)
            shown = Set(standard.columns.map(\.key))
        case "all":
            shown = Set(order.map(\.key))
        case "apply":
            break
        default:
            let parts = action.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, let index = order.firstIndex(where: { $0.key == parts[1] }), ["up", "down"].contains(parts[0]) else {
                throw UserError.badRequest("“\(action.prefix(80))” is not something the column picker does.")
            }
            let target = parts[0] == "up" ? index - 1 : index + 1
            if order.indices.contains(target) { order.swapAt(index, target) }
        }
        guard action == "apply" else {
            return try ConnectionsPage(page: page).respond(state: state, columnDraft: (order, shown), openPanel: "columns")
        }
        guard let choice = try? ColumnChoice(order.filter { shown.contains($0.key) }) else {
            return try ConnectionsPage(page: page).respond(state: state, columnDraft: (order, shown),
                                                          columnProblem: "Keep at least one column besides Action.")
        }
        try ColumnPreferences(database: page.database).save(choice, userID: page.access.userID)
        return .redirect(to: ConnectionsPage.url(state, path: "/connections") + "#column-panel")
    }
}
