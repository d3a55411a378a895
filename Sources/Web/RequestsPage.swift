import Domain
import FastCGI

/// GET /requests (every connection of the user) and /connections/{id}/requests: the queue of pending
/// requests with the driver's answers, paged, filtered and searched (`RequestQueueState`), and (for one
/// connection) its connected drivers. POST /requests/decide approves, denies with a reason, or removes
/// the ticked drivers, one row's driver, or every request matching the filters; a slip (nothing ticked,
/// no reason) shows the same page again with what was ticked and typed.
struct RequestsPage {
    let page: Page

    /// What went wrong with a decision, shown at the top of the page it came from.
    struct Slip {
        let status: Int
        let message: String
        let ticked: Set<Int>
        let reason: String
        /// The reason field takes the focus (the reason was missing); otherwise the message does.
        let focusReason: Bool
    }

    /// Asks for a second confirmation above this many requests decided all at once.
    static let confirmAbove = 50

    func respond(connectionID: Int?, slip: Slip? = nil, state given: RequestQueueState? = nil) throws -> Response {
        var state = try given ?? RequestQueueState.parse(URLEncoding.parse(page.request.queryString), page: page, connection: connectionID)
        let visible = page.access.organizations(allowing: .viewConnections)
        var title = "Driver requests"
        if let connectionID {
            guard let invite = try ConnectionInvites(database: page.database).invite(connectionID: connectionID) else {
                throw UserError.notFound("There is no connection with id \(connectionID).")
            }
            title = "Drivers of “\(invite.connectionName)”"
        }
        let path = Self.path(connectionID)
        let queue = RequestQueue(database: page.database)
        let filter = state.filter(organizations: visible)
        var found = try queue.page(filter, order: state.order, size: state.size, after: state.after, before: state.before)
        if found.rows.isEmpty, state.after != nil || state.before != nil {
            // Every request of this page was decided: the last page (after walking forward), or the first.
            let forward = state.after != nil
            (state.before, state.after) = (nil, nil)
            found = try queue.page(filter, order: state.order, size: state.size, last: forward)
        }
        let waiting = try queue.count(filter)
        let connected = connectionID == nil ? []
            : try MembershipDecisions(database: page.database).list(state: .connected, organizations: visible, connectionID: connectionID)
        let ticked = slip?.ticked ?? []
        var pager: [(label: String, url: String, rel: String)] = []
        if found.hasEarlier {
            pager.append(("First page", Self.url(path, state.pairs(cursor: false, path: connectionID != nil)), "first"))
            if let first = found.rows.first {
                var earlier = state
                (earlier.after, earlier.before) = (nil, RequestQueue.Place(first))
                pager.append(("Previous \(state.size)", Self.url(path, earlier.pairs(path: connectionID != nil)), "prev"))
            }
        }
        if found.hasLater, let last = found.rows.last {
            var later = state
            (later.after, later.before) = (RequestQueue.Place(last), nil)
            pager.append(("Next \(state.size)", Self.url(path, later.pairs(path: connectionID != nil)), "next"))
        }
        let organizations = try Accounts(database: page.database).organizationNames(for: page.access, allowing: .viewConnections)
        let choices = connectionID != nil ? [] : try queue.connections(organizations: state.organization.map { [$0] } ?? visible)
        let canDecide = !page.access.organizations(allowing: .decideMemberships).isEmpty
        return page.html(status: slip?.status ?? 200, .requests, title: title, [
            "heading": .text(title),
            "path": .text(path),
            "state": .text(URLEncoding.encode(state.pairs(path: connectionID != nil))),
            "oneConnection": .bool(connectionID != nil),
            "notice": slip == nil ? Notice.context(for: page) : false,
            "slip": .text(slip?.message ?? ""),
            "focusReason": .bool(slip?.focusReason == true),
            "focusSlip": .bool(slip != nil && slip?.focusReason != true),
            "reason": .text(slip?.reason ?? ""),
            "pending": .list(found.rows.map { rowContext($0, ticked: ticked) }),
            "hasPending": .bool(!found.rows.isEmpty),
            "waiting": .text(Format.integer(waiting)),
            "waitingText": .text(waiting == 1 ? "1 waiting" : "\(Format.integer(waiting)) waiting"),
            "manyPages": .bool(waiting > found.rows.count),
            "shownText": .text("\(waiting == 1 ? "1 request matches" : "\(Format.integer(waiting)) requests match"); this page shows \(found.rows.count), \(state.order == .oldest ? "oldest" : "newest") first."),
            "hasPager": .bool(!pager.isEmpty),
            "pager": .list(pager.map { ["label": .text($0.label), "url": .text($0.url), "rel": .text($0.rel)] }),
            "filtered": .bool(!state.pairs(cursor: false, path: connectionID != nil).isEmpty),
            "q": .text(state.search),
            "organizations": .list(organizations.map { ["id": .text($0.id), "name": .text($0.name), "selected": .bool($0.id == state.organization)] }),
            "connections": .list(choices.map {
                ["id": .text($0.id), "name": .text("\($0.organization) · \($0.name) (\(Format.integer($0.waiting)))"),
                 "selected": .bool($0.id == state.connectionID)]
            }),
            "orders": .list(RequestQueue.Order.allCases.map {
                ["value": .text($0.rawValue), "label": .text($0 == .oldest ? "Oldest first" : "Newest first"), "selected": .bool($0 == state.order)]
            }),
            "sizes": .list(RequestQueue.pageSizes.map { ["value": .text($0), "selected": .bool($0 == state.size)] }),
            "connected": .list(connected.map { rowContext($0, ticked: ticked) }),
            "hasConnected": .bool(!connected.isEmpty),
            "canDecide": .bool(canDecide),
        ])
    }

    func rowContext(_ row: MembershipRow, ticked: Set<Int>) -> TemplateValue {
        [
            "id": .text(row.id), "driver": .text(row.driverName), "email": .text(row.email), "emailHTML": .breakable(row.email),
            "domainMatches": .bool(row.emailDomainMatches), "confirming": .bool(row.awaitingEmailConfirmation),
            "organization": .text(row.organizationName),
            "connection": .text(row.connectionName), "connectionURL": .text("/connections/\(row.connectionID)/requests"),
            "requestedAt": .text(DateText.display(row.requestedAt)),
            "answers": .list(row.answers.map { ["prompt": .text($0.prompt), "answer": .text($0.answer)] }),
            "mayDecide": .bool(page.access.roles[row.organizationID]?.allows(.decideMemberships) == true),
            "ticked": .bool(ticked.contains(row.id)),
        ]
    }

    static func path(_ connectionID: Int?) -> String {
        connectionID.map { "/connections/\($0)/requests" } ?? "/requests"
    }

    static func url(_ path: String, _ pairs: [(name: String, value: String)]) -> String {
        pairs.isEmpty ? path : path + "?" + URLEncoding.encode(pairs)
    }

    // MARK: Deciding

    func decide() throws -> Response {
        let request = page.request
        // The page the form came from: the queue, or one connection's drivers (whose route checks would not run here).
        let back = ReturnPath.safe(request.formValue("back"))
        let backPath = back.split(separator: "?").first.map(String.init) ?? "/requests"
        var connectionID: Int?
        let parts = backPath.split(separator: "/")
        if parts.count == 3, parts[0] == "connections", parts[2] == "requests", let id = RequestNumber.parse(String(parts[1]), in: RequestNumber.ids) {
            try page.access.require(.viewConnections, onConnection: id,
                                    ownedBy: try ConnectionInvites(database: page.database).organization(ofConnection: id))
            connectionID = id
        }
        let state = try RequestQueueState.parse(URLEncoding.parse(request.formValue("state") ?? ""), page: page, connection: connectionID)
        var ids = try BulkAction.ids(request, field: "m")
        var action = request.formValue("action") ?? ""
        // A row's own button names its action and its request.
        if let one = request.formValue("one") {
            let pieces = one.split(separator: ":").map(String.init)
            guard pieces.count == 2, ["approve", "deny"].contains(pieces[0]), let id = RequestNumber.parse(pieces[1], in: RequestNumber.ids) else {
                throw UserError.badRequest("“\(one.prefix(40))” is not a decision on a request.")
            }
            (action, ids) = (pieces[0], [id])
        }
        let reason = request.formValue("reason") ?? ""
        let all = request.formValue("all") == "1" && request.formValue("one") == nil
        func slip(_ message: String, status: Int = 400, focusReason: Bool = false) throws -> Response {
            try respond(connectionID: connectionID, slip: Slip(status: status, message: message, ticked: Set(ids), reason: reason,
                                                               focusReason: focusReason), state: state)
        }
        let decision: Decision
        let notice: Notice
        switch action {
        case "approve": (decision, notice) = (.approve, .approved)
        case "deny": (decision, notice) = (.deny(reason: reason), .denied)
        case "remove": (decision, notice) = (.remove, .removed)
        default: return try slip("Choose Approve, Deny or Remove.")
        }
        guard all || !ids.isEmpty else {
            return try slip(action == "remove" ? "Nothing is selected: tick the drivers to remove, then press Remove selected."
                            : "Nothing is selected: tick the requests to decide on, or Select all matching, then press \(action == "approve" ? "Approve" : "Deny") again.")
        }
        do {
            _ = try Decide.reason(of: decision)
        } catch UserError.badRequest(let message) {
            return try slip(message, focusReason: true)
        }
        let changed: Int
        do {
            if all {
                guard action != "remove" else { return try slip("Remove the drivers you tick, not every request matching.") }
                let filter = state.filter(organizations: page.access.organizations(allowing: .decideMemberships))
                let matching = try RequestQueue(database: page.database).count(filter)
                guard matching > 0 else { return try slip("No request you may decide on matches these filters.") }
                let expected = try request.formValue("expected").map { text in
                    guard let number = RequestNumber.parse(text, in: RequestNumber.smallCounts) else { throw UserError.badRequest("“\(text.prefix(20))” is not a count.") }
                    return number
                }
                guard let expected = expected ?? (matching <= Self.confirmAbove ? matching : nil) else {
                    return confirmation(action: action, reason: reason, count: matching, state: state, back: backPath, connectionInPath: connectionID != nil)
                }
                changed = try decide(matching: filter, expected: expected, decision)
            } else {
                changed = try decide(ids, decision)
            }
        } catch UserError.badRequest(let message) {
            // Too many ticked, say: said in place too, with the work kept.
            return try slip(message)
        }
        var pairs = state.pairs(path: connectionID != nil)
        pairs += notice.pairs(count: changed, for: page)
        return .redirect(to: Self.url(backPath, pairs))
    }

    /// The one place this page decides (ticked requests, or one row's).
    func decide(_ ids: [Int], _ decision: Decision) throws -> Int {
        try Decide(decision, on: ids).run(by: page.access, in: page.database)
    }

    /// The one place this page decides every request matching the filters.
    func decide(matching filter: RequestQueue.Filter, expected: Int, _ decision: Decision) throws -> Int {
        try DecideMatching(decision, matching: filter, expected: expected).run(by: page.access, in: page.database)
    }

    /// "Approve 1,064 requests?": the second question before deciding many at once.
    func confirmation(action: String, reason: String, count: Int, state: RequestQueueState, back: String, connectionInPath: Bool) -> Response {
        let verb = action == "approve" ? "Approve" : "Deny"
        return page.html(.requestsConfirm, title: "\(verb) \(Format.integer(count)) requests", [
            "verb": .text(verb), "action": .text(action), "count": .text(Format.integer(count)), "expected": .text(count),
            "reason": .text(reason), "deny": .bool(action == "deny"), "back": .text(back),
            "state": .text(URLEncoding.encode(state.pairs(path: connectionInPath))),
            "cancelURL": .text(Self.url(back, state.pairs(path: connectionInPath))),
        ])
    }
}
