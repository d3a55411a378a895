import Domain
import FastCGI

/// POST /connections/bulk: Enable, Disable or Export the rows picked on the table (or every row
/// the filters select). Enabling and disabling ask first how many rows they will touch, from the
/// bar and from a row's own button alike. Nothing picked is said in place, on the table.
struct BulkAction {
    let page: Page

    func respond() throws -> Response {
        var state = try TableState.parse(URLEncoding.parse(page.request.formValue("state") ?? ""))
        state.page = 1
        var action = page.request.formValue("action") ?? ""
        if let row = page.request.formValue("row") {
            // A row's own button: the same confirmation, for that one row.
            let parts = row.split(separator: ":").map(String.init)
            guard parts.count == 2, let id = RequestNumber.parse(parts[1], in: RequestNumber.ids), ["enable", "disable"].contains(parts[0]) else {
                throw UserError.badRequest("“\(row.prefix(40))” is not a row action.")
            }
            try page.access.require(.manageConnections, onConnection: id,
                                    ownedBy: try ConnectionInvites(database: page.database).organization(ofConnection: id))
            state.selection = [id]
            action = parts[0]
        }
        let picked = try Self.ids(page.request, field: "c")
        if page.request.formValue("all") != "1" && state.selection == nil {
            guard !picked.isEmpty else {
                return try ConnectionsPage(page: page).respond(state: state, openPanel: "rows",
                                                               bulkProblem: "Nothing is selected: tick the rows to change, or every row matching the filters.")
            }
            guard picked.count <= TableState.largestSelection else {
                throw UserError.badRequest("Select at most \(TableState.largestSelection) rows one by one, or every row matching the filters.")
            }
            state.selection = picked
        }
        let scope = try TableScope(state, access: page.access)
        let organizations = scope.organizations
        try state.requireColumns(scope.columns)
        let table = ConnectionTable(database: page.database)
        switch action {
        case "export":
            return try ConnectionsPage(page: page).respond(state: state, openPanel: "export")
        case "enable", "disable":
            let status: ConnectionStatus = action == "enable" ? .enabled : .disabled
            let count = try table.count(state, organizations: organizations)
            // Asked before the confirmation, not after it: rows the user may not change are refused up front.
            let manageable = Set(page.access.organizations(allowing: .manageConnections))
            guard !manageable.isEmpty else { throw UserError.forbidden("Your role cannot enable or disable connections.") }
            guard try table.count(state, organizations: organizations.filter(manageable.contains)) == count else {
                throw UserError.forbidden("Some of these connections belong to organizations where your role cannot enable or disable them.")
            }
            guard page.request.formValue("confirm") == "1" else {
                return page.html(.bulkConfirm, title: "\(status == .enabled ? "Enable" : "Disable") connections", [
                    "verb": .text(status == .enabled ? "Enable" : "Disable"), "action": .text(action),
                    "count": .text(Format.integer(count)), "plural": .bool(count != 1),
                    "state": .text(URLEncoding.encode(state.queryPairs)),
                    "cancelURL": .text(ConnectionsPage.url(withoutSelection(state), path: "/connections", editing: "rows")),
                ])
            }
            let changed = try SetConnectionStatus(try table.ids(state, organizations: organizations), to: status).run(by: page.access, in: page.database)
            return .redirect(to: ConnectionsPage.url(withoutSelection(state), path: "/connections",
                                                     notice: (status == .enabled ? .enabled : .disabled, changed, page)))
        default:
            throw UserError.badRequest("Choose Enable, Disable or Export.")
        }
    }

    /// Row ids ticked in a form: each one a valid id, or the request is malformed.
    static func ids(_ request: Request, field: String) throws -> [Int] {
        try request.form.filter { $0.name == field }.map { pair in
            guard let id = RequestNumber.parse(pair.value, in: RequestNumber.ids) else {
                throw UserError.badRequest("“\(pair.value.prefix(40))” is not a row id.")
            }
            return id
        }
    }

    func withoutSelection(_ state: TableState) -> TableState {
        var state = state
        state.selection = nil
        return state
    }
}
