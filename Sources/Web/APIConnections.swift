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
        let state = try Self.tableState(call.request)
        let (organizations, columns) = try scope(state)
        let cursor = try call.request.queryValue("cursor").map { try TableCursor(decoding: $0, for: state) }
        let page = try ConnectionTable(database: database).page(state, columns: columns, organizations: organizations, after: cursor)
        var next: JSON = .null
        if let following = page.next {
            let pairs = state.queryPairs.filter { $0.name != "page" } + [("cursor", following.encoded(for: state))]
            next = .string("/api/v1/connections?" + URLEncoding.encode(pairs))
        }
        return APICall.json(.object([
            ("total", .int(page.total)),
            ("size", .int(state.pageSize)),
            ("sort", .string(state.sort.column.key)),
            ("order", .string(state.sort.descending ? "desc" : "asc")),
            ("match", .string(state.filters.match.rawValue)),
            ("filters", .array(state.filters.filters.map { filter in
                .object([("column", .string(filter.column.key)), ("condition", .string(filter.condition.key)), ("value", .string(filter.value)),
                         ("sentence", .string(filter.sentence))])
            })),
            ("columns", .array(columns.map { .string($0.key) })),
            ("rows", .array(page.rows.map { row(columns, $0) })),
            ("next_cursor", page.next.map { .string($0.encoded(for: state)) } ?? .null),
            ("next", next),
        ]))
    }

    /// The table's state from the query, with the cursor's place or the page's: an unfinished
    /// filter is a 400 here (the page shows it next to the filter), with each filter's problem.
    static func tableState(_ request: Request) throws -> TableState {
        let state = try TableState.parse(request.query)
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
        return .object([
            ("id", .int(id)),
            ("organization_id", .int(organization)),
            ("version", .int(RequestNumber.parse(draft.version, in: RequestNumber.ids) ?? 1)),
            ("name", .string(draft.name)),
            ("name_for_drivers", .string(draft.nameForDrivers)),
            ("connection_type", .string(draft.type)),
            ("status", .string(draft.status)),
            ("visibility", .string(draft.visibility)),
            ("approval_type", .string(draft.approval)),
            ("benefits", .array(draft.benefits.map(JSON.string))),
            ("discount_percent", RequestNumber.parse(draft.discountPercent, in: 1...100).map(JSON.int) ?? .null),
            ("email_domains", .array(draft.emailDomains.split(separator: "\n").map { .string(String($0)) })),
            ("questions", .array(draft.questions.map(JSON.string))),
            ("row", table.rows.first.map { row(columns, $0) } ?? .null),
        ])
    }

    // MARK: Changes

    /// The most ids `sel` and `filter` words an address may carry here, so that the longest address the
    /// document allows fits what nginx passes on to the app (about 32 KB of query): 8 words of up to
    /// `FilterSet.longestWord` characters, each up to 12 bytes percent-encoded (24 KB), and 200 ids of 16
    /// digits (3.4 KB). The page's bulk actions take more ids; more filters go as `f`, `op`, `v`.
    static let mostSelected = 200
    static let mostFilterWords = 8

    /// The members of a connection's body; `organization_id` only when creating, `version` only when changing.
    static let fields: Set<String> = ["name", "name_for_drivers", "connection_type", "status", "visibility", "approval_type", "benefits",
                                      "discount_percent", "email_domains", "questions"]

    /// The form's field names as the API spells them.
    static let fieldNames = ["org": "organization_id", "type": "connection_type", "approval": "approval_type", "discount": "discount_percent",
                             "domains": "email_domains"]

    /// POST /api/v1/connections
    func create() throws -> Response {
        let body = try call.body()
        try APICall.requireOnly(body, Self.fields.union(["organization_id"]))
        // Required, as the document says: a token's organizations may grow, and a client's request should not change meaning then.
        guard let organization = try APICall.number(body, "organization_id", in: RequestNumber.ids) else {
            throw APIProblem(error: .badRequest("Name the organization to create the connection in: “organization_id”."),
                             extensions: [("errors", .object([("organization_id", "Choose an organization.")]))])
        }
        var draft = ConnectionDraft()
        draft.organizationID = String(organization)
        try Self.apply(body, to: &draft)
        switch try ConnectionEditor(database: database).create(draft, by: access) {
        case .saved(let id):
            return APICall.json(try connection(id), status: 201, headers: [("Location", "/api/v1/connections/\(id)")])
        case .problems(let problems): throw Self.invalid(problems, name: draft.name)
        case .conflict: throw UserError.conflict("The connection changed while it was being saved. Send it again.")
        }
    }

    /// PATCH /api/v1/connections/{id}: the fields given change, the others stay; `version` names the
    /// version the change was made against, and a newer one on file is a 409 saying what differs.
    func update() throws -> Response {
        let id = call.parameters.id
        let body = try call.body()
        try APICall.requireOnly(body, Self.fields.union(["version"]))
        guard let version = try APICall.number(body, "version", in: RequestNumber.ids) else {
            throw UserError.badRequest("Send the “version” you changed (from GET /api/v1/connections/\(id)), so that no one else's save is overwritten.")
        }
        let editor = ConnectionEditor(database: database)
        guard var draft = try editor.draft(id)?.draft else { throw UserError.notFound("There is no connection with id \(id).") }
        try Self.apply(body, to: &draft)
        draft.version = String(version)
        switch try editor.update(id, draft, by: access) {
        case .saved: return APICall.json(try connection(id))
        case .problems(let problems): throw Self.invalid(problems, name: draft.name)
        case .conflict(let now):
            // The fields that differ by name only: the saved values are in `current`, the caller's in its own request.
            let differences = draft.differences(from: now)
            let what = differences.isEmpty ? "Your values are those saved" : differences.map(\.label).joined(separator: ", ")
                + (differences.count == 1 ? " differs" : " differ")
            throw APIProblem(error: .conflict("Someone else saved this connection (now version \(now.version)) after version \(version): "
                                               + "nothing was overwritten. \(what); compare with “current”, then send your values again with its version."),
                             extensions: [
                                ("differences", .array(differences.map { difference in
                                    .object([("field", .string(Self.fieldNames[difference.field] ?? difference.field)), ("label", .string(difference.label))])
                                })),
                                ("current", try connection(id)),
                             ])
        }
    }

    /// The body's fields onto a draft, each of the right JSON type; the form's checks follow.
    static func apply(_ body: JSON, to draft: inout ConnectionDraft) throws {
        if let value = try APICall.text(body, "name") { draft.name = value }
        if let value = try APICall.text(body, "name_for_drivers") { draft.nameForDrivers = value }
        if let value = try APICall.text(body, "connection_type") { draft.type = value }
        if let value = try APICall.text(body, "status") { draft.status = value }
        if let value = try APICall.text(body, "visibility") { draft.visibility = value }
        if let value = try APICall.text(body, "approval_type") { draft.approval = value }
        if let value = try APICall.texts(body, "benefits", most: BenefitKind.allCases.count) { draft.benefits = value }
        if body["discount_percent"] != nil {
            draft.discountPercent = try APICall.number(body, "discount_percent", in: ConnectionDraft.discountPercents).map(String.init) ?? ""
        }
        // One domain or question an item, as the document's patterns say (the form's text box takes lists and blank lines).
        if let value = try APICall.texts(body, "email_domains", most: ConnectionDraft.mostEmailDomains) {
            if let bad = value.first(where: { !ConnectionDraft.isDomain($0) }) {
                throw APIProblem(error: .badRequest("“\(bad.prefix(80))” is not a domain like example.com: send one domain an item."),
                                 extensions: [("errors", .object([("email_domains", .string("One domain like example.com an item."))]))])
            }
            draft.emailDomains = value.joined(separator: "\n")
        }
        if let value = try APICall.texts(body, "questions", most: ConnectionDraft.mostQuestions) {
            // Without white space around it, so that the document's uniqueItems sees the duplicates the form refuses.
            if value.contains(where: { $0.isEmpty || $0 != $0.trimmingCharacters(in: .whitespacesAndNewlines) }) {
                throw APIProblem(error: .badRequest("“questions” holds an empty question, or one with white space around it."),
                                 extensions: [("errors", .object([("questions", "Each question needs words, and no white space around them.")]))])
            }
            draft.questions = value
        }
        // The form hides the domains unless approval is by email domain, and the discount unless its
        // benefit is ticked, and saving drops them; sent through the API they would be accepted and
        // lost, so they are refused unless the same body says what keeps them (a rule of the body
        // alone, which the document states and a client can check before sending).
        if !draft.emailDomains.isEmpty, body["email_domains"] != nil, try APICall.text(body, "approval_type") != ApprovalType.emailDomain.rawValue {
            throw Self.unkept("email_domains", "“email_domains” go with “approval_type”: “\(ApprovalType.emailDomain.rawValue)” in the same request, "
                              + "since only that approval type keeps them: send both, or no domains.")
        }
        if body["discount_percent"] != nil, body["discount_percent"] != .null,
           !(try APICall.texts(body, "benefits", most: BenefitKind.allCases.count) ?? []).contains(BenefitKind.discountedCharging.rawValue) {
            throw Self.unkept("discount_percent", "“discount_percent” goes with “benefits” holding “\(BenefitKind.discountedCharging.rawValue)” "
                              + "in the same request, since only that benefit keeps it: send both, or no discount.")
        }
    }

    /// A field the connection would not keep as it is sent: a 400 naming it and why.
    static func unkept(_ field: String, _ why: String) -> APIProblem {
        APIProblem(error: .badRequest(why), extensions: [("errors", .object([(field, .string(why))]))])
    }

    /// The form's problems, by the API's field names: a 409 when the name taken is the only one (another
    /// connection holds it: state, not the request, is in the way), else a 400.
    static func invalid(_ problems: [String: String], name: String) -> APIProblem {
        let errors = problems.sorted { $0.key < $1.key }.map { (fieldNames[$0.key] ?? $0.key, JSON.string($0.value)) }
        if problems.count == 1, problems["name"] == ConnectionDraft.nameTaken(name.trimmingCharacters(in: .whitespacesAndNewlines)) {
            return APIProblem(error: .conflict(problems["name"]!), extensions: [("errors", .object(errors))])
        }
        return APIProblem(error: .badRequest("The connection cannot be saved as sent: \(errors.map { $0.0 }.joined(separator: ", ")) "
                                             + "\(errors.count == 1 ? "needs" : "need") another value."),
                          extensions: [("errors", .object(errors))])
    }

    /// POST /api/v1/connections/{id}/enable and …/disable.
    func setStatus(_ status: ConnectionStatus) throws -> Response {
        _ = try ConnectionEditor(database: database).setStatus([call.parameters.id], to: status, by: access)
        return APICall.json(try connection(call.parameters.id))
    }

    /// POST /api/v1/connections/{id}/rotate: a new invite link (`{"what":"link"}`) or search code.
    func rotate() throws -> Response {
        let body = try call.body()
        try APICall.requireOnly(body, ["what"])
        guard let credential = try APICall.text(body, "what", required: true).flatMap(InviteCredential.init(rawValue:)) else {
            throw UserError.badRequest("Rotate the “link” or the “code”.")
        }
        let id = call.parameters.id
        try ConnectionInvites(database: database).rotate(credential, connectionID: id, by: access)
        guard let invite = try ConnectionInvites(database: database).invite(connectionID: id) else {
            throw UserError.notFound("There is no connection with id \(id).")
        }
        return APICall.json(.object([("id", .int(id)), ("invite_link", .string(call.handler.configuration.inviteURL(token: invite.inviteToken))),
                                     ("search_code", .string(invite.searchCode))]))
    }

    /// GET /api/v1/connections/export.csv and export.ndjson: the rows the table's words select,
    /// through the page's export (its limits, slots and audit).
    func export(_ format: ExportFormat) throws -> Response {
        let state = try Self.tableState(call.request)
        let columns = try scope(state).columns
        let bom = call.request.queryValue("bom")
        guard bom == nil || bom == "0" || bom == "1" else { throw UserError.badRequest("“bom” is 1 (a byte-order mark first, for Excel) or 0.") }
        return try ExportAction(handler: call.handler, request: call.request, access: access)
            .export(state, settings: ExportSettings(format: format, scope: .visible, byteOrderMark: bom == "1"),
                    shown: try ColumnChoice(columns))
    }
}
