import Domain
import FastCGI
import Foundation

/// /api/v1/memberships and /api/v1/connections/{id}/memberships: drivers and their requests by
/// state, oldest first, in pages continued by a cursor; and decisions on one or many, through the
/// same rules and audit as the requests page.
struct APIMemberships {
    let call: APICall

    static let pageSizes = 1...MembershipDecisions.listLimit

    /// GET: `state` (Pending by default), `size` (up to 200), `cursor`.
    func list(connectionID: Int?) throws -> Response {
        let request = call.request
        guard let state = MembershipState(rawValue: request.queryValue("state") ?? MembershipState.pending.rawValue) else {
            throw UserError.badRequest("The state must be one of: \(MembershipState.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        let size = try request.queryValue("size").map { text in
            guard let size = RequestNumber.parse(text, in: Self.pageSizes) else {
                throw UserError.badRequest("The size must be a whole number from 1 to \(Self.pageSizes.upperBound).")
            }
            return size
        } ?? 50
        let after = try request.queryValue("cursor").map(Self.decode)
        let organizations = call.access.organizations(allowing: .viewConnections)
        let decisions = MembershipDecisions(database: call.database)
        let rows = try decisions.list(state: state, organizations: organizations, connectionID: connectionID, limit: size + 1, after: after)
        let shown = rows.prefix(size)
        var next: JSON = .null
        var nextPath: JSON = .null
        if rows.count > size, let last = shown.last {
            let cursor = Self.encode(requestedAt: last.requestedAt, id: last.id)
            next = .string(cursor)
            let path = connectionID.map { "/api/v1/connections/\($0)/memberships" } ?? "/api/v1/memberships"
            nextPath = .string(path + "?" + URLEncoding.encode([("state", state.rawValue), ("size", String(size)), ("cursor", cursor)]))
        }
        return APICall.json(.object([
            ("state", .string(state.rawValue)),
            ("total", .int(try decisions.count(state: state, organizations: organizations, connectionID: connectionID))),
            ("memberships", .array(shown.map(Self.membership))),
            ("next_cursor", next),
            ("next", nextPath),
        ]))
    }

    static func membership(_ row: MembershipRow) -> JSON {
        .object([
            ("id", .int(row.id)), ("connection_id", .int(row.connectionID)), ("connection_name", .string(row.connectionName)),
            ("organization_id", .int(row.organizationID)), ("driver_name", .string(row.driverName)), ("email", .string(row.email)),
            ("state", .string(row.state.rawValue)), ("requested_at", .string(row.requestedAt)),
            ("email_domain_matches", .bool(row.emailDomainMatches)),
            ("answers", .array(row.answers.map { .object([("prompt", .string($0.prompt)), ("answer", .string($0.answer))]) })),
        ])
    }

    /// The place after a row: its request time and id, as opaque base64url text.
    static func encode(requestedAt: String, id: Int) -> String {
        Data("m1|\(id)|\(requestedAt)".utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: String) throws -> (requestedAt: String, id: Int) {
        var base64 = String(text.prefix(200)).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.utf8.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let plain = String(data: data, encoding: .utf8) else { throw invalidCursor }
        let parts = plain.split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "m1", let id = RequestNumber.parse(parts[1], in: RequestNumber.ids) else { throw invalidCursor }
        return (String(parts[2]), id)
    }

    static let invalidCursor = UserError.badRequest("The cursor is not one this API gave out: start again without it.")

    /// POST /api/v1/memberships/decide: `{"action": "approve"|"deny"|"remove", "ids": [...], "reason": "..."}`,
    /// all or none; each id is checked against the caller's role in its organization.
    func decide() throws -> Response {
        let body = try call.body()
        try APICall.requireOnly(body, ["action", "ids", "reason"])
        guard case .array(let items)? = body["ids"] else { throw UserError.badRequest("“ids” must be a list of membership ids.") }
        guard items.count <= MembershipDecisions.mostAtOnce else {
            throw UserError.badRequest("Decide on at most \(MembershipDecisions.mostAtOnce) drivers at once.")
        }
        let ids = try items.map { item in
            guard case .number(let text) = item, let id = RequestNumber.parse(jsonNumber: text, in: RequestNumber.ids) else {
                throw UserError.badRequest("“ids” must be a list of membership ids.")
            }
            return id
        }
        let decision: Decision
        switch try APICall.text(body, "action", required: true) {
        case "approve": decision = .approve
        case "deny": decision = .deny(reason: try APICall.text(body, "reason") ?? "")
        case "remove": decision = .remove
        default: throw UserError.badRequest("The action must be approve, deny or remove.")
        }
        if case .deny = decision {} else if body["reason"] != nil {
            throw UserError.badRequest("Only a denial takes a reason.")
        }
        let changed = try MembershipDecisions(database: call.database).decide(ids, decision, by: call.access)
        return APICall.json(.object([("changed", .int(changed))]))
    }
}
