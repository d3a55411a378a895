import Domain
import FastCGI

/// /api/v1/memberships and /api/v1/connections/{id}/memberships: drivers and their requests by
/// state, oldest first, in pages continued by a cursor; and decisions on one or many, through the
/// same rules and audit as the requests page.
struct APIMemberships {
    let call: APICall

    static let pageSizes = 1...MembershipDecisions.listLimit
    static let defaultPageSize = 50

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
        } ?? Self.defaultPageSize
        let query = Self.cursorQuery(state: state, connectionID: connectionID)
        let after = try request.queryValue("cursor").map { try Self.place(decoding: $0, for: query) }
        let organizations = call.access.organizations(allowing: .viewConnections)
        let decisions = MembershipDecisions(database: call.database)
        let rows = try decisions.list(state: state, organizations: organizations, connectionID: connectionID, limit: size + 1, after: after)
        let shown = rows.prefix(size)
        var next: (cursor: String, path: String)?
        if rows.count > size, let last = shown.last {
            let cursor = QueryCursor.encode(list: Self.list, query: query, place: [String(last.id), last.requestedAt])
            let path = connectionID.map { "/api/v1/connections/\($0)/memberships" } ?? "/api/v1/memberships"
            next = (cursor, path + "?" + URLEncoding.encode([("state", state.rawValue), ("size", String(size)), ("cursor", cursor)]))
        }
        let total = try decisions.count(state: state, organizations: organizations, connectionID: connectionID)
        return APICall.json(MembershipListAnswer.encode(MembershipPage(state: state, total: total, memberships: shown,
                                                                       nextCursor: next?.cursor, next: next?.path)))
    }

    static let list = "memberships"

    /// What a memberships cursor belongs to: the state and the connection of the path (or all).
    static func cursorQuery(state: MembershipState, connectionID: Int?) -> QueryCursor.Query {
        [("state", state.rawValue), ("connection (the path)", connectionID.map(String.init) ?? "all")]
    }

    /// The place after a row: its id and request time.
    static func place(decoding text: String, for query: QueryCursor.Query) throws -> (requestedAt: String, id: Int) {
        let place = try QueryCursor.decode(text, list: list, query: query, places: 2)
        guard let id = RequestNumber.parse(place[0], in: RequestNumber.ids) else { throw QueryCursor.invalid }
        return (place[1], id)
    }

    /// POST /api/v1/memberships/decide: `{"action": "approve"|"deny"|"remove", "ids": [...], "reason": "..."}`,
    /// all or none; each id is checked against the caller's role in its organization.
    func decide() throws -> Response {
        let body = try call.body(DecisionBody.self)
        let changed = try Decide(body.decision, on: body.ids).run(by: call.access, in: call.database)
        return APICall.json(.object([("changed", .int(changed))]))
    }

    /// Memberships that end: the day the given connected drivers' memberships end, or never.
    func setExpiry() throws -> Response {
        let body = try call.body(ExpiryBody.self)
        let changed = try SetMembershipExpiry(body.ids, endingOn: body.ends).run(by: call.access, in: call.database)
        return APICall.json(.object([("changed", .int(changed))]))
    }
}
