import Domain
import Foundation
import FastCGI
import Storage

/// /api/v1/connections: the table's rows with the table's own words (`f`, `op`, `v`, `match`, `sort`,
/// `order`, `page`, `size`, `org`, `cols`) and a keyset cursor; one connection; creating and
/// changing with the form's checks and version; enabling, disabling, rotating. Each goes through
/// the same domain code as the console, and so the same permission checks and audit.
struct APIConnections {
    let call: APICall

    var access: Access { call.access }
    var database: Database { call.database }

    // MARK: The table

    /// GET /api/v1/connections
    func list() throws -> Response {
        let state = try Self.tableState(call.request, access: access, database: database)
        let (organizations, columns) = try scope(state)
        let cursor = try call.request.queryValue("cursor").map { try TableCursor(decoding: $0, for: state) }
        let page = try ConnectionTable(database: database).page(state, columns: columns, organizations: organizations, after: cursor)
        let nextCursor = page.next.map { $0.encoded(for: state) }
        let next = nextCursor.map { cursor in
            "/api/v1/connections?" + URLEncoding.encode(state.queryPairs.filter { $0.name != "page" } + [("cursor", cursor)])
        }
        return APICall.json(ConnectionListAnswer.encode(ConnectionListPage(state: state, columns: columns, total: page.total,
                                                                           rows: page.rows.map { row(columns, $0) }, nextCursor: nextCursor,
                                                                           next: next)))
    }

    /// The table's state from the query, with the cursor's place or the page's: an unfinished
    /// filter is a 400 here (the page shows it next to the filter), with each filter's problem.
    static func tableState(_ request: Request, access: Access, database: Database) throws -> TableState {
        var state = try TableState.parse(APIViews.expanded(request.query, access: access, database: database))
        state.view = nil
        let problems = state.filters.filters.enumerated().compactMap { index, filter in
            filter.problem.map { JSON.object([("index", .int(index)), ("column", .string(filter.column.key)), ("detail", .string($0))]) }
        }
        if !problems.isEmpty {
            throw APIProblem(error: .badRequest("A filter cannot apply as written: \(state.filters.filters.compactMap(\.problem)[0])"),
                             extensions: [("filters", .array(problems))])
        }
        if request.queryValue("cursor") != nil && request.queryValue("page") != nil {
            throw UserError.badRequest("Ask for a page or give a cursor, not both.")
        }
        if let selection = state.selection, selection.count > mostSelected {
            throw UserError.badRequest("Select at most \(mostSelected) connections by id (`sel`); choose more with filters.")
        }
        if request.query.filter({ $0.name == "filter" }).count > mostFilterWords {
            throw UserError.badRequest("Give at most \(mostFilterWords) filters as `filter` words.")
        }
        return state
    }

    /// The organizations the state covers and the columns to answer with: those of `cols`, or every
    /// column the caller may see there (Viewers never see invite secrets).
    func scope(_ state: TableState) throws -> (organizations: [Int], columns: [Column]) {
        let scope = try TableScope(state, access: access)
        let organizations = scope.organizations, allowed = scope.columns
        try state.requireColumns(allowed)
        if let columns = state.columns {
            guard let hidden = columns.columns.first(where: { !allowed.contains($0) }) else { return (organizations, columns.columns) }
            throw UserError.forbidden("Your role cannot see the \(hidden.label) column here.")
        }
        return (organizations, allowed)
    }

    /// A table row as an object: its id, then each column by its key, typed by the column's kind.
    func row(_ columns: [Column], _ row: TableRow) -> JSON {
        .object([("id", .int(row.connectionID))] + zip(columns, row.cells).map { column, cell in (column.key, value(cell)) })
    }

    func value(_ cell: CellValue) -> JSON {
        switch cell {
        case .text(let text), .choice(let text), .date(let text): return .string(text)
        case .number(let number), .identifier(let number): return .int(number)
        case .list(let items): return .array(items.map(JSON.string))
        case .inviteToken(let token): return .string(call.handler.configuration.inviteURL(token: token))
        }
    }

    // MARK: One connection

    /// GET /api/v1/connections/{id}: the route checked that the caller may view it.
    func show() throws -> Response {
        APICall.json(try connection(call.parameters.id))
    }

    /// The connection as the form edits it, and its row of the table (every column the caller may see).
    func connection(_ id: Int) throws -> JSON {
        guard let (draft, organization) = try ConnectionEditor(database: database).draft(id) else {
            throw UserError.notFound("There is no connection with id \(id).")
        }
        var state = TableState()
        state.selection = [id]
        let columns = TableScope(organizations: [organization], access: access).columns
        let table = try ConnectionTable(database: database).page(state, columns: columns, organizations: [organization])
        return ConnectionAnswer.encode(ConnectionView(id: id, organization: organization, draft: draft,
                                                      row: table.rows.first.map { row(columns, $0) } ?? .null))
    }

    // MARK: Changes

    /// The most ids `sel` and `filter` words an address may carry here, so that the longest address the
    /// document allows fits what nginx passes on to the app (about 32 KB of query): 8 words of up to
    /// `FilterSet.longestWord` characters, each up to 12 bytes percent-encoded (24 KB), and 200 ids of 16
    /// digits (3.4 KB). The page's bulk actions take more ids; more filters go as `f`, `op`, `v`.
    static let mostSelected = 200
    static let mostFilterWords = 8

    /// POST /api/v1/connections
    func create() throws -> Response {
        let body = try call.body(ConnectionInput.self)
        let command = body.fields.creation(in: body.organizationID)
        try access.require(.manageConnections, in: body.organizationID)
        do {
            guard body.fields.unreadable.isEmpty else {
                throw FieldProblems(try command.problems(in: database).merging(body.fields.unreadable) { $1 })
            }
            let id = try command.run(by: access, in: database)
            return APICall.json(try connection(id), status: 201, headers: [("Location", "/api/v1/connections/\(id)")])
        } catch let problems as FieldProblems {
            throw Self.invalid(problems.byField, name: command.settings.name)
        }
    }

    /// PATCH /api/v1/connections/{id}: the fields given change, the others stay; `version` names the
    /// version the change was made against, and a newer one on file is a 409 saying what differs.
    func update() throws -> Response {
        let id = call.parameters.id
        let body = try call.body(ConnectionChanges.self)
        guard let version = body.version else {
            throw APIProblem(error: .badRequest("Send the “version” you changed (from GET /api/v1/connections/\(id)), so that no one else's save is overwritten."),
                             extensions: [("errors", .object([("version", "Send the version this change was made against.")]))])
        }
        let command = body.fields.change(of: id, at: version)
        do {
            guard body.fields.unreadable.isEmpty else {
                throw FieldProblems(try command.problems(in: database).merging(body.fields.unreadable) { $1 })
            }
            _ = try command.run(by: access, in: database)
            return APICall.json(try connection(id))
        } catch let problems as FieldProblems {
            let name = try ConnectionEditor(database: database).stored(id).map { command.merged(into: $0.settings).name } ?? ""
            throw Self.invalid(problems.byField, name: name, sent: body.fields)
        } catch let stale as StaleVersion {
            // The fields that differ by name only: the saved values are in `current`, the caller's in its own request.
            let now = stale.current
            let mine = ConnectionDraft(command.merged(into: now.settings), organizationID: now.organizationID, version: version)
            let differences = mine.differences(from: ConnectionDraft(now.settings, organizationID: now.organizationID, version: now.version))
            let what = differences.isEmpty ? "Your values are those saved" : differences.map(\.label).joined(separator: ", ")
                + (differences.count == 1 ? " differs" : " differ")
            throw APIProblem(error: .conflict("Someone else saved this connection (now version \(now.version)) after version \(version): "
                                               + "nothing was overwritten. \(what); compare with “current”, then send your values again with its version."),
                             extensions: [
                                ("differences", .array(differences.map { difference in
                                    .object([("field", .string(ConnectionField.apiName(formName: difference.field))), ("label", .string(difference.label))])
                                })),
                                ("current", try connection(id)),
                             ])
        }
    }

    /// The form's problems, by the API's field names: a 409 when state, not the request, is in the way
    /// (the name taken by another connection; for a change, `sent`, a linked value the stored ones
    /// leave without its partner, as domains sent alone to a connection approved by hand), else a 400.
    static func invalid(_ problems: [String: String], name: String, sent: ConnectionFields? = nil) -> APIProblem {
        let errors = problems.sorted { $0.key < $1.key }.map { (ConnectionField.apiName(formName: $0.key), JSON.string($0.value)) }
        let taken = problems["name"] == ConnectionDraft.nameTaken(name.trimmingCharacters(in: .whitespacesAndNewlines))
        let byState = problems.keys.filter { field in (field == "name" && taken) || (sent.map { !$0.sendsBoth(linkedTo: field) } ?? false) }
        if byState.count == problems.count {
            if problems.count == 1 && taken { return APIProblem(error: .conflict(problems["name"]!), extensions: [("errors", .object(errors))]) }
            return APIProblem(error: .conflict("With the values it keeps, this connection cannot take these changes: "
                                               + problems.sorted { $0.key < $1.key }.map(\.value).joined(separator: " ")),
                              extensions: [("errors", .object(errors))])
        }
        if let unkept = ConnectionFields.unkept(problems.filter { !byState.contains($0.key) }) { return unkept }
        return APIProblem(error: .badRequest("The connection cannot be saved as sent: \(errors.map { $0.0 }.joined(separator: ", ")) "
                                             + "\(errors.count == 1 ? "needs" : "need") another value."),
                          extensions: [("errors", .object(errors))])
    }

    /// POST /api/v1/connections/{id}/enable and …/disable.
    func setStatus(_ status: ConnectionStatus) throws -> Response {
        _ = try SetConnectionStatus([call.parameters.id], to: status).run(by: access, in: database)
        return APICall.json(try connection(call.parameters.id))
    }

    /// POST /api/v1/connections/{id}/rotate: a new invite link (`{"what":"link"}`) or search code.
    func rotate() throws -> Response {
        let credential = try call.body(RotationBody.self).credential
        let id = call.parameters.id
        try RotateInvite(credential, connectionID: id).run(by: access, in: database)
        guard let invite = try ConnectionInvites(database: database).invite(connectionID: id) else {
            throw UserError.notFound("There is no connection with id \(id).")
        }
        return APICall.json(InviteAnswer.encode((id, call.handler.configuration.inviteURL(token: invite.inviteToken), invite.searchCode)))
    }

    /// GET /api/v1/connections/export.csv and export.ndjson: the rows the table's words select,
    /// through the page's export (its limits, slots and audit).
    func export(_ format: ExportFormat) throws -> Response {
        let state = try Self.tableState(call.request, access: access, database: database)
        let columns = try scope(state).columns
        let bom = call.request.queryValue("bom")
        guard bom == nil || bom == "0" || bom == "1" else { throw UserError.badRequest("“bom” is 1 (a byte-order mark first, for Excel) or 0.") }
        return try ExportAction(handler: call.handler, request: call.request, access: access)
            .export(state, settings: ExportSettings(format: format, scope: .visible, byteOrderMark: bom == "1"),
                    shown: try ColumnChoice(columns))
    }
}
