import Domain
import FastCGI

/// The Views menu above the table (issue 28): the views the user may open, the view the address
/// names with "modified" when the table no longer shows what it saved (Save, Save as, Revert), and
/// the forms that save, rename, delete and make a view the default. The address stays the truth:
/// a view opens as its address, with `view=` naming where it came from.
struct ViewsMenu {
    let page: Page
    let state: TableState

    /// The view the address names, or nil.
    static func current(_ state: TableState, page: Page) throws -> SavedView? {
        try state.view.map { try SavedViews(database: page.database).view($0, for: page.access) }
    }

    /// A view's address: its saved state, naming the view.
    static func url(_ view: SavedView) throws -> String {
        var state = try TableState.parse(URLEncoding.parse(view.query))
        state.view = view.id
        return ConnectionsPage.url(state, path: "/connections")
    }

    /// Where the table must go first: the view an address of only `view=` names, opened as its
    /// address; with no address at all, the user's default view (`view=none` shows the plain table).
    static func opening(_ state: TableState, page: Page) throws -> Response? {
        let query = page.request.query
        if query.isEmpty, let view = try SavedViews(database: page.database).defaultView(for: page.access) {
            return .redirect(to: try url(view))
        }
        guard query.count == 1, let view = try current(state, page: page) else { return nil }
        let target = try url(view)
        return target == ConnectionsPage.url(state, path: "/connections") ? nil : .redirect(to: target)
    }

    func context() throws -> TemplateValue {
        let views = try SavedViews(database: page.database).visible(to: page.access)
        let names = try Accounts(database: page.database).organizationNames(for: page.access, allowing: .viewConnections)
        let shareable = Set(page.access.organizations(allowing: .shareViews))
        let current = try Self.current(state, page: page)
        let defaultID = try SavedViews(database: page.database).defaultView(for: page.access)?.id
        let stateText = URLEncoding.encode(state.viewPairs)
        let modified = current.map { $0.query != stateText } ?? false
        let organizationName = { (id: Int) in names.first { $0.id == id }?.name ?? "Org \(id)" }
        func entry(_ view: SavedView) throws -> TemplateValue {
            ["name": .text(view.name), "url": .text(try Self.url(view)), "current": .bool(view.id == current?.id),
             "isDefault": .bool(view.id == defaultID), "organization": view.organizationID.map { .text(organizationName($0)) } ?? false]
        }
        return [
            "personal": .list(try views.filter { $0.organizationID == nil }.map(entry)),
            "shared": .list(try views.filter { $0.organizationID != nil }.map(entry)),
            "hasViews": .bool(!views.isEmpty),
            "state": .text(stateText),
            "back": .text(URLEncoding.encode(state.queryPairs)),
            "shareWith": .list(names.filter { shareable.contains($0.id) }.map { ["id": .text($0.id), "name": .text($0.name)] }),
            "current": try current.map { view -> TemplateValue in
                [
                    "id": .text(view.id),
                    "name": .text(view.name),
                    "modified": .bool(modified),
                    "mayChange": .bool(view.mayChange(page.access)),
                    "sharing": .text(view.organizationID.map { "shared with everyone in \(organizationName($0))" } ?? "only you see it"),
                    "revertURL": .text(try Self.url(view)),
                    "isDefault": .bool(view.id == defaultID),
                    "report": try ViewReportForm(page: page).context(view),
                ]
            } ?? false,
        ]
    }
}

/// POST /connections/views: Save as (a new view), Save (the current view takes the table's state),
/// Rename, Delete, Make default, No default, its report's schedule; then back to the table, opened as the view.
struct ViewsAction {
    let page: Page

    func respond() throws -> Response {
        let form = page.request
        let back = try TableState.parse(URLEncoding.parse(form.formValue("back") ?? ""))
        // The state saved is the table's, read back through the one parser: nothing else is stored.
        let state = URLEncoding.encode(try TableState.parse(URLEncoding.parse(form.formValue("state") ?? "")).viewPairs)
        let id = { () throws(UserError) -> Int in
            guard let id = RequestNumber.parse(form.formValue("id"), in: RequestNumber.ids) else { throw .badRequest("Choose a view.") }
            return id
        }
        var target = back
        switch form.formValue("action") ?? "" {
        case "save-as":
            let share = form.formValue("share") ?? ""
            let organization = share.isEmpty ? nil : try page.access.organization(share, allowing: .shareViews)
            let view = try SaveView(name: form.formValue("name") ?? "", query: state, sharedWith: organization).run(by: page.access, in: page.database)
            return .redirect(to: try ViewsMenu.url(view) + "#views-menu")
        case "save":
            if let view = try ChangeView(id: try id(), .save(query: state)).run(by: page.access, in: page.database) {
                return .redirect(to: try ViewsMenu.url(view) + "#views-menu")
            }
        case "rename":
            try ChangeView(id: try id(), .rename(form.formValue("name") ?? "")).run(by: page.access, in: page.database)
        case "delete":
            try ChangeView(id: try id(), .delete).run(by: page.access, in: page.database)
            target.view = nil
        case "default":
            try ChangeView(id: try id(), .makeDefault).run(by: page.access, in: page.database)
        case "no-default":
            try ChangeView(id: try id(), .clearDefault).run(by: page.access, in: page.database)
        case "report":
            _ = try ViewReportForm(page: page).submit(viewID: try id())
        default:
            throw UserError.badRequest("Choose what to do with the view: save, rename, delete, make it the default or set its report.")
        }
        if target.view == nil && target.queryPairs.isEmpty { return .redirect(to: "/connections?view=none#views-menu") }
        return .redirect(to: ConnectionsPage.url(target, path: "/connections") + "#views-menu")
    }
}
