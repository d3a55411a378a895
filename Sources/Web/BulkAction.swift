import Domain
import FastCGI

/// POST /connections/bulk: Enable, Disable or Export the rows picked on the table (or every row
/// the filters select, up to `TableState.largestSelection`). Enabling and disabling ask first how
/// many rows they will touch, from the bar and from a row's own button alike, and then say what
/// changed and what was skipped, with an Undo (`BulkNotice`). Nothing picked is said in place.
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
            guard count <= TableState.largestSelection else {
                return try ConnectionsPage(page: page).respond(state: withoutSelection(state), openPanel: "rows", bulkProblem:
                    "\(Format.integer(count)) connections match the filters: at most \(Format.integer(TableState.largestSelection)) can be "
                    + "changed at once. Narrow the filters, then select all matching again.")
            }
            guard page.request.formValue("confirm") == "1" else {
                return page.html(.bulkConfirm, title: "\(status == .enabled ? "Enable" : "Disable") connections", [
                    "verb": .text(status == .enabled ? "Enable" : "Disable"), "action": .text(action),
                    "count": .text(Format.integer(count)), "plural": .bool(count != 1),
                    "everyMatching": .bool(state.selection == nil),
                    "undoMinutes": .text(Int(BulkStatusChange.undoWindow / 60)),
                    "state": .text(URLEncoding.encode(state.queryPairs)),
                    "cancelURL": .text(ConnectionsPage.url(withoutSelection(state), path: "/connections", editing: "rows")),
                ])
            }
            let notice = BulkNotice(page: page)
            let change = try SetConnectionStatusInBulk(try table.ids(state, organizations: organizations), to: status, sessionHash: notice.sessionHash)
                .run(by: page.access, in: page.database)
            return .redirect(to: "/connections?" + URLEncoding.encode(withoutSelection(state).queryPairs + notice.pairs(change)) + "#bulk-outcome")
        default:
            throw UserError.badRequest("Choose Enable, Disable or Export.")
        }
    }

    /// POST /connections/bulk/undo: the Undo on a bulk change's notice, for the session that made it.
    func undo() throws -> Response {
        let notice = BulkNotice(page: page)
        guard let id = notice.signedID(page.request.formValue("bulk"), signature: page.request.formValue("bs")) else {
            throw UserError.notFound("There is no change of yours to undo here: Undo works only in the browser session that made the change.")
        }
        try UndoBulkStatusChange(id, sessionHash: notice.sessionHash).run(by: page.access, in: page.database)
        let state = try TableState.parse(URLEncoding.parse(page.request.formValue("state") ?? ""))
        return .redirect(to: "/connections?" + URLEncoding.encode(state.queryPairs + notice.pairs(id)) + "#bulk-outcome")
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
