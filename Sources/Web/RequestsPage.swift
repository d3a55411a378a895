import Domain
import FastCGI

/// GET /requests (every connection of the user) and /connections/{id}/requests: pending requests
/// with the driver's answers, and (for one connection) its connected drivers. POST
/// /requests/decide approves, denies with a reason, or removes the selected drivers.
struct RequestsPage {
    let page: Page

    func respond(connectionID: Int?) throws -> Response {
        let visible = page.access.organizations(allowing: .viewConnections)
        var title = "Driver requests"
        if let connectionID {
            // The route checked that the user may see this connection.
            guard let invite = try ConnectionInvites(database: page.database).invite(connectionID: connectionID) else {
                throw UserError.notFound("There is no connection with id \(connectionID).")
            }
            title = "Drivers of “\(invite.connectionName)”"
        }
        let decisions = MembershipDecisions(database: page.database)
        let pending = try decisions.list(state: .pending, organizations: visible, connectionID: connectionID)
        let waiting = try decisions.count(state: .pending, organizations: visible, connectionID: connectionID)
        let connected = connectionID == nil ? [] : try decisions.list(state: .connected, organizations: visible, connectionID: connectionID)
        let back = page.request.pathAndQuery
        return page.html(.requests, title: title, [
            "heading": .text(title),
            "back": .text(back),
            "oneConnection": .bool(connectionID != nil),
            "notice": Notice.context(for: page),
            "pending": .list(pending.map(rowContext)),
            "hasPending": .bool(!pending.isEmpty),
            "waiting": .text(waiting == 1 ? "1 request is waiting" : "\(Format.integer(waiting)) requests are waiting"),
            // Oldest first; decide on those to see the next ones.
            "moreWaiting": .bool(waiting > pending.count),
            "shown": .text(Format.integer(pending.count)),
            "connected": .list(connected.map(rowContext)),
            "hasConnected": .bool(!connected.isEmpty),
            "canDecide": .bool(!page.access.organizations(allowing: .decideMemberships).isEmpty),
        ])
    }

    func rowContext(_ row: MembershipRow) -> TemplateValue {
        [
            "id": .text(row.id), "driver": .text(row.driverName), "email": .text(row.email), "emailHTML": .breakable(row.email),
            "domainMatches": .bool(row.emailDomainMatches), "confirming": .bool(row.awaitingEmailConfirmation),
            "connection": .text(row.connectionName), "connectionURL": .text("/connections/\(row.connectionID)/requests"),
            "requestedAt": .text(DateText.display(row.requestedAt)),
            "answers": .list(row.answers.map { ["prompt": .text($0.prompt), "answer": .text($0.answer)] }),
            "canDecide": .bool(page.access.roles[row.organizationID]?.allows(.decideMemberships) == true),
        ]
    }

    func decide() throws -> Response {
        let ids = try BulkAction.ids(page.request, field: "m")
        let decision: Decision
        let notice: Notice
        switch page.request.formValue("action") {
        case "approve": (decision, notice) = (.approve, .approved)
        case "deny": (decision, notice) = (.deny(reason: page.request.formValue("reason") ?? ""), .denied)
        case "remove": (decision, notice) = (.remove, .removed)
        default: throw UserError.badRequest("Choose Approve, Deny or Remove.")
        }
        let changed = try MembershipDecisions(database: page.database).decide(ids, decision, by: page.access)
        let back = ReturnPath.safe(page.request.formValue("back"))
        let path = back.split(separator: "?").first.map(String.init) ?? "/requests"
        return .redirect(to: path + "?" + URLEncoding.encode(notice.pairs(count: changed, for: page)))
    }
}
