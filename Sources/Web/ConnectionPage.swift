import Domain
import FastCGI

/// GET /connections/{id}: one connection for whoever may view it: its settings (Edit for those who
/// manage connections), its drivers by state (searchable, paged; approve, deny and remove through
/// /requests/decide for those who decide), its invite tools for those who invite, and its history.
struct ConnectionPage {
    let page: Page

    func respond(connectionID: Int) throws -> Response {
        // The route checked that the user may view this connection.
        guard let (draft, organizationID) = try ConnectionEditor(database: page.database).draft(connectionID),
              let invite = try ConnectionInvites(database: page.database).invite(connectionID: connectionID) else {
            throw UserError.notFound("There is no connection with id \(connectionID).")
        }
        let role = page.access.roles[organizationID]
        let state = try Self.state(page.request.queryValue("state"))
        let search = (page.request.queryValue("q") ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard search.count <= ConsoleSearch.longest else { throw UserError.badRequest("Search for at most \(ConsoleSearch.longest) characters.") }
        let driversQuery: QueryCursor.Query = [("state", state.rawValue), ("q", search)]
        let after = try page.request.queryValue("after").map { try Self.id(in: $0, list: "connection-drivers", query: driversQuery) }
        let historyQuery: QueryCursor.Query = [("connection", String(connectionID))]
        let before = try page.request.queryValue("history").map { try Self.id(in: $0, list: "connection-history", query: historyQuery) }

        let drivers = ConnectionDrivers(database: page.database)
        let counts = try drivers.counts(connectionID: connectionID)
        let found = try drivers.page(connectionID: connectionID, state: state, search: search.isEmpty ? nil : search, after: after,
                                     limit: ConnectionDrivers.pageSize + 1)
        let rows = Array(found.prefix(ConnectionDrivers.pageSize))
        let history = try ConnectionHistory(database: page.database).entries(connectionName: invite.connectionName, organizationID: organizationID,
                                                                             before: before, limit: ConnectionHistory.pageSize + 1)
        let entries = Array(history.prefix(ConnectionHistory.pageSize))
        let path = "/connections/\(connectionID)"
        let canDecide = role?.allows(.decideMemberships) == true
        let inviteURL = page.handler.configuration.inviteURL(token: invite.inviteToken)
        let domains = draft.emailDomains.split(whereSeparator: { $0 == "\n" || $0 == "," || $0 == " " }).map(String.init)
        // Memberships that end: the card, and each connected driver's end in the table.
        let membership = try MembershipEndForms.context(connectionID: connectionID, connected: counts[.connected] ?? 0,
                                                        canEdit: role?.allows(.manageConnections) == true, canDecide: canDecide, page: page)
        let ends = state == .connected ? try MembershipExpiry(database: page.database).ends(of: rows.map(\.id)) : [:]
        let benefits = draft.benefits.map { $0 == BenefitKind.discountedCharging.rawValue && !draft.discountPercent.isEmpty ? "\($0) (\(draft.discountPercent) %)" : $0 }

        return page.html(.connection, title: "\(invite.connectionName) · \(invite.orgName)", [
            "id": .text(connectionID),
            "name": .text(invite.connectionName),
            "orgName": .text(invite.orgName),
            "notice": Notice.context(for: page),
            "canEdit": .bool(role?.allows(.manageConnections) == true),
            "settings": .list([
                ("Status", draft.status), ("Connection Type", draft.type), ("Visibility", draft.visibility),
                ("Approval type", draft.approval), ("Name for drivers", draft.nameForDrivers),
            ].map { ["label": .text($0.0), "value": .text($0.1)] }),
            "benefits": .list(benefits.map(TemplateValue.text)),
            "questions": .list(draft.questions.map(TemplateValue.text)),
            "domains": .list(domains.map(TemplateValue.text)),
            "hasDomains": .bool(!domains.isEmpty),
            "invite": role?.allows(.inviteDrivers) == true ? [
                "url": .text(inviteURL),
                "qrSVG": .text("\(path)/qr.svg?v=\(Fingerprint.of(inviteURL))"),
                "searchCode": .text(invite.searchCode),
                "isPrivate": .bool(invite.visibility == .private),
            ] : false,
            "roster": role?.allows(.export) == true ? ["canImport": .bool(role?.allows(.inviteDrivers) == true)] : false,
            "tabs": .list(MembershipState.allCases.map { tab in
                ["label": .text(Self.tabLabel(tab)), "count": .text(Format.integer(counts[tab] ?? 0)), "current": .bool(tab == state),
                 "url": .text(path + "?" + URLEncoding.encode([("state", tab.rawValue)]) + "#drivers")]
            }),
            "state": .text(state.rawValue),
            "stateLabel": .text(Self.tabLabel(state).lowercased()),
            "search": .text(search),
            "drivers": .list(rows.map { row in
                ["id": .text(row.id), "driver": .text(row.driverName), "email": .text(row.email),
                 "requestedAt": .text(DateText.display(row.requestedAt)),
                 "ends": .text(ends[row.id].map(DateText.day) ?? "Never"),
                 "answers": .list(row.answers.map { ["prompt": .text($0.prompt), "answer": .text($0.answer)] })]
            }),
            "hasDrivers": .bool(!rows.isEmpty),
            "canApprove": .bool(canDecide && state == .pending),
            "canRemove": .bool(canDecide && state == .connected),
            "showsEnds": .bool(state == .connected),
            "membership": membership,
            "selectable": .bool(canDecide && (state == .pending || state == .connected)),
            "back": .text(page.request.pathAndQuery),
            "moreDriversURL": found.count > rows.count ? rows.last.map {
                .text(path + "?" + URLEncoding.encode([("state", state.rawValue), ("q", search),
                                                        ("after", QueryCursor.encode(list: "connection-drivers", query: driversQuery, place: [String($0.id)]))]) + "#drivers")
            } ?? false : false,
            "firstDriversURL": after == nil ? false : .text(path + "?" + URLEncoding.encode([("state", state.rawValue), ("q", search)]) + "#drivers"),
            "requestsURL": .text("\(path)/requests"),
            "history": .list(entries.map { entry in
                ["at": .text(DateText.display(entry.at)), "actor": .text(entry.actor), "action": .text(entry.action),
                 "subject": .text(entry.subject), "details": .list(AuditPage.readable(entry.details).map(TemplateValue.text))]
            }),
            "hasHistory": .bool(!entries.isEmpty),
            "olderHistoryURL": history.count > entries.count ? entries.last.map {
                .text(path + "?" + URLEncoding.encode([("history", QueryCursor.encode(list: "connection-history", query: historyQuery, place: [String($0.id)]))]) + "#history")
            } ?? false : false,
            "newestHistoryURL": before == nil ? false : .text(path + "#history"),
        ])
    }

    static func state(_ value: String?) throws(UserError) -> MembershipState {
        guard let value, !value.isEmpty else { return .pending }
        guard let state = MembershipState(rawValue: value) else {
            throw .badRequest("Choose Pending, Connected, Denied or Removed, not “\(value.prefix(20))”.")
        }
        return state
    }

    static func tabLabel(_ state: MembershipState) -> String { state == .connected ? "Approved" : state.rawValue }

    static func id(in cursor: String, list: String, query: QueryCursor.Query) throws(UserError) -> Int {
        let place = try QueryCursor.decode(cursor, list: list, query: query, places: 1)
        guard let id = RequestNumber.parse(place[0], in: RequestNumber.ids) else { throw QueryCursor.invalid }
        return id
    }
}
