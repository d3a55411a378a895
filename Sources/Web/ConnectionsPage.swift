import Domain
import FastCGI

/// GET /connections: the table, its sort links and its pager. All state is in the URL.
struct ConnectionsPage {
    let page: Page

    func respond() throws -> Response {
        let state = try TableState.parse(page.request.query)
        if let opening = try ViewsMenu.opening(state, page: page) { return opening }
        if let remove = page.request.queryValue("remove") {
            // The builder's remove button without JavaScript: the same filters, less one, panel open.
            guard let index = RequestNumber.parse(remove, in: RequestNumber.smallCounts), state.filters.filters.indices.contains(index) else {
                throw UserError.badRequest("There is no filter number “\(remove.prefix(20))” to remove.")
            }
            var target = state
            target.filters = state.filters.removing(at: index)
            target.page = 1
            return .redirect(to: Self.url(target, path: "/connections", editing: "filters") + "#filter-panel")
        }
        return try respond(state: state)
    }

    /// The page for `state`; the column picker shows a draft and its problem when saving it failed (400).
    func respond(state: TableState, columnDraft: (order: [Column], shown: Set<String>)? = nil, columnProblem: String? = nil,
                 openPanel: String? = nil, bulkProblem: String? = nil) throws -> Response {
        let scope = try TableScope(state, access: page.access)
        let allowed = scope.columns
        try state.requireColumns(allowed)
        let saved = try ColumnPreferences(database: page.database).choice(userID: page.access.userID)
        let choice = (state.columns ?? saved ?? .standard).restricted(to: allowed)
        let editing = openPanel ?? page.request.queryValue("edit")
        // Select rows only for those who can change a row shown: Viewers and officers have nothing to tick.
        let canSelect = !Set(page.access.organizations(allowing: .manageConnections)).isDisjoint(with: scope.organizations)
        let selecting = editing == "rows" && canSelect
        let tickPage = selecting && page.request.queryValue("tick") == "page"
        let columns = choice.columns
        let table = try ConnectionTable(database: page.database).page(state, columns: columns,
                                                                     organizations: scope.organizations)
        var shown = state
        shown.page = table.page
        let filters = FilterPanel(state: shown, url: url, addingRow: page.request.queryValue("add") != nil,
                                  editing: editing == "filters", allowed: allowed)
        let picker = ColumnPicker(choice: choice, allowed: allowed, state: shown, open: editing == "columns", draft: columnDraft,
                                  problem: columnProblem)
        var shared = shown
        shared.columns = choice
        shared.page = 1
        // A filter the user must finish is a 400, shown on the page next to that filter; so is a column choice that cannot be saved.
        let status = state.filters.hasProblems || columnProblem != nil || bulkProblem != nil ? 400 : 200
        return page.html(status: status, .connections, title: "Connections", [
            "titleContext": .text(try titleContext(shown)),
            "density": DensityAction.context(try DensityPreferences(database: page.database).density(userID: page.access.userID),
                                             back: URLEncoding.encode(shown.queryPairs)),
            // The picker's fifteen rows and the export settings are written only when asked for:
            // most pages never open them, and every page would carry them.
            "picker": picker.open ? picker.context(shareURL: url(shared)) : false,
            // Each tool's address names the control focus returns to (a fragment, which the browser focuses).
            "pickerURL": .text(Self.url(shown, path: "/connections", editing: "columns") + "#column-panel"),
            "exportURL": .text(Self.url(shown, path: "/connections", editing: "export") + "#export-panel"),
            "export": editing != "export" ? false : [
                "open": true,
                "state": .text(URLEncoding.encode(shared.queryPairs)),
                "items": .text(Format.integer(table.total)),
                "visibleColumns": .text(Self.visibleColumns(columns.filter(\.exportable).count)),
            "allCount": .text(allowed.filter(\.exportable).count),
                "tooManyForXLSX": .bool(table.total > page.xlsxRowLimit),
                "xlsxLimit": .text(Format.integer(page.xlsxRowLimit)),
            ],
            "views": try ViewsMenu(page: page, state: shown).context(),
            "filters": filters.context(),
            "summary": filters.summary(total: table.total),
            "filtered": .bool(!state.filters.applicable.isEmpty),
            "filterHiddenState": .list(hiddenFields(shown, except: ["f", "op", "v", "g", "match", "gm"])),
            "organizationPicker": try organizationPicker(shown, visible: page.access.organizations(allowing: .viewConnections)),
            "columns": .list(columns.map { headerContext($0, state: shown) }),
            "rows": .list(table.rows.map { rowContext($0, columns: columns, role: page.access.roles[$0.organizationID], selecting: selecting, ticked: tickPage) }),
            "selecting": .bool(selecting),
            "canSelect": .bool(canSelect),
            "bulkOutcome": try BulkNotice(page: page).context(state: URLEncoding.encode(shown.queryPairs.filter { $0.name != "page" })),
            "tickPageURL": .text(Self.url(shown, path: "/connections", editing: "rows") + "&tick=page#bulk-form"),
            "selectedCount": .text(tickPage ? "\(Format.integer(table.rows.count { page.access.roles[$0.organizationID]?.allows(.manageConnections) == true })) selected" : "Nothing is selected yet"),
            "largestSelection": .text(Format.integer(TableState.largestSelection)),
            "bulkProblem": bulkProblem.map(TemplateValue.text) ?? false,
            "selectURL": .text(Self.url(shown, path: "/connections", editing: selecting ? nil : "rows")),
            "bulkState": .text(URLEncoding.encode(shown.queryPairs.filter { $0.name != "page" })),
            "total": .text(Format.integer(table.total)),
            "notice": Notice.context(for: page),
            "canCreate": .bool(!page.access.organizations(allowing: .manageConnections).isEmpty),
            "hasRows": .bool(!table.rows.isEmpty),
            "rangeNoun": .text(table.total == 1 ? "connection" : "connections"),
            "range": .text("\(Format.integer(table.firstRowNumber))–\(Format.integer(table.lastRowNumber)) of \(Format.integer(table.total))"),
            "pager": pagerContext(table, state: shown),
            "pageSizes": .list(TableState.pageSizes.map { ["size": .text($0), "selected": .bool($0 == shown.pageSize)] }),
            "hiddenState": .list(hiddenFields(shown, except: ["size"])),
            "organizationHiddenState": .list(hiddenFields(shown, except: ["org"])),
        ])
    }

    /// A few organizations: a drop-down. Many: the current choice and a link to a page that
    /// lists and searches them, so the table page stays light.
    static let inlinePickerLimit = 20

    func organizationPicker(_ state: TableState, visible: [Int]) throws -> TemplateValue {
        guard visible.count > 1 else { return false }
        let names = try Accounts(database: page.database).organizationNames(for: page.access, allowing: .viewConnections)
        var pickerState = state
        pickerState.organization = nil
        pickerState.page = 1
        guard names.count <= Self.inlinePickerLimit else {
            let current = state.organization.flatMap { id in names.first { $0.id == id }?.name }
            return ["many": [
                "current": .text(current ?? "All my organizations (\(Format.integer(names.count)))"),
                "chooseURL": .text(Self.url(pickerState, path: "/connections/organizations")),
            ]]
        }
        return ["few": [
            "allSelected": .bool(state.organization == nil),
            "options": .list(names.map { ["id": .text($0.id), "name": .text($0.name), "selected": .bool($0.id == state.organization)] }),
        ]]
    }

    /// The organization the table shows, for the page's title: the one chosen, or the user's only one.
    func titleContext(_ state: TableState) throws -> String {
        let names = try Accounts(database: page.database).organizationNames(for: page.access, allowing: .viewConnections)
        if let chosen = state.organization, let name = names.first(where: { $0.id == chosen })?.name { return name }
        return names.count == 1 ? names[0].name : "All my organizations"
    }

    func headerContext(_ column: Column, state: TableState) -> TemplateValue {
        let isSorted = state.sort.column == column
        var next = state
        next.sort = TableSort(column: column, descending: isSorted && !state.sort.descending)
        next.page = 1
        return [
            "label": .text(column.label),
            "key": .text(column.key),
            "width": .text(Self.widthClass(column.kind)),
            "sortURL": .text(url(next)),
            "ariaSort": .text(isSorted ? (state.sort.descending ? "descending" : "ascending") : "none"),
            "sorted": .bool(isSorted),
            "descending": .bool(isSorted && state.sort.descending),
            "numeric": .bool(column.kind == .number),
        ]
    }

    /// Keys in the order the row template asks for them (look-ups scan the list); the selection
    /// mode's controls only when selecting.
    func rowContext(_ row: TableRow, columns: [Column], role: Role?, selecting: Bool, ticked: Bool = false) -> TemplateValue {
        var fields: [(String, TemplateValue)] = [
            ("selecting", .bool(selecting)),
            // The name opens the connection's page, for every role that sees the table.
            ("cells", .list(zip(row.cells, columns).map { cellContext($0, link: $1.key == "name" ? "/connections/\(row.connectionID)" : "") })),
            ("canInvite", .bool(role?.allows(.inviteDrivers) == true)),
            ("id", .text(row.connectionID)),
        ]
        if selecting {
            let canManage = role?.allows(.manageConnections) == true
            let enabled = row.cells.contains { if case .choice(ConnectionStatus.enabled.rawValue) = $0 { return true } else { return false } }
            fields.append(("canManage", .bool(canManage)))
            fields.append(("checked", .bool(ticked)))
            fields.append(("toggle", canManage ? [
                "value": .text("\(enabled ? "disable" : "enable"):\(row.connectionID)"), "label": .text(enabled ? "Disable" : "Enable"),
            ] : false))
        }
        return .object(fields)
    }

    /// Values shown as a coloured badge; other choices read as plain text.
    static let badgeClasses: [String: String] = Dictionary(
        uniqueKeysWithValues: ConnectionStatus.allCases.map { ($0.rawValue, Format.slug($0.rawValue)) })

    /// Every cell carries every field the cell template asks for, so each look-up ends in
    /// the cell itself instead of climbing to the row and the page.
    func cellContext(_ cell: CellValue, link: String = "") -> TemplateValue {
        var text = "", numeric = false, badge = "", items: [TemplateValue] = [], isList = false
        switch cell {
        case .text(let value): text = value
        case .inviteToken(let token): text = page.handler.configuration.inviteURL(token: token)
        case .date(let stored): text = DateText.display(stored)
        case .number(let number): text = Format.integer(number); numeric = true
        case .identifier(let number): text = String(number)
        case .choice(let value): text = value; badge = Self.badgeClasses[value] ?? ""
        case .list(let values): items = values.map(TemplateValue.text); isList = true
        }
        return ["numeric": .bool(numeric), "isList": .bool(isList), "list": .list(items), "badge": .text(badge),
                "plain": .bool(!isList && badge.isEmpty), "href": .text(link), "text": .breakable(text)]
    }

    static func visibleColumns(_ count: Int) -> String {
        count == 1 ? "the 1 column shown now" : "the \(count) columns shown now, in their order"
    }

    /// The header's class for a column's least width (app.css): numbers narrow, lists and links wide.
    static func widthClass(_ kind: ColumnKind) -> String {
        switch kind {
        case .number, .identifier: return "w-s"
        case .text, .enumeration, .date: return "w-m"
        case .list: return "w-l"
        case .inviteLink: return "w-xl"
        }
    }

    func pagerContext(_ page: TablePage, state: TableState) -> TemplateValue {
        func link(_ number: Int) -> TemplateValue {
            var target = state
            target.page = number
            return .text(url(target))
        }
        return [
            "page": .text(Format.integer(page.page)),
            "pageCount": .text(Format.integer(page.pageCount)),
            "hasPrevious": .bool(page.page > 1),
            "hasNext": .bool(page.page < page.pageCount),
            "firstURL": link(1),
            "previousURL": link(max(1, page.page - 1)),
            "nextURL": link(min(page.pageCount, page.page + 1)),
            "lastURL": link(page.pageCount),
        ]
    }

    /// The state a GET form must carry along, apart from what it changes itself.
    func hiddenFields(_ state: TableState, except changed: Set<String>) -> [TemplateValue] {
        state.queryPairs.filter { !changed.contains($0.name) && $0.name != "page" }.map { ["name": .text($0.name), "value": .text($0.value)] }
    }

    func url(_ state: TableState) -> String {
        Self.url(state, path: "/connections")
    }

    /// `editing` names a panel to keep open: "filters" or "columns".
    static func url(_ state: TableState, path: String, editing: String? = nil) -> String {
        let query = URLEncoding.encode(state.queryPairs + (editing.map { [("edit", $0)] } ?? []))
        return query.isEmpty ? path : path + "?" + query
    }
}

