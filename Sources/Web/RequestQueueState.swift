import Domain
import FastCGI
import Storage

/// What a requests queue's address says: which requests (an organization, a connection, a driver's
/// name or email), in which order, how many a page, and where the page starts (a `QueryCursor` of
/// that query, after or before a request). The decide form carries it back, so a slip or a decision
/// returns to the same page.
struct RequestQueueState {
    var organization: Int?
    var connectionID: Int?
    var search = ""
    var order = RequestQueue.Order.oldest
    var size = RequestQueue.defaultPageSize
    var after: RequestQueue.Place?
    var before: RequestQueue.Place?

    /// Reads the pairs of an address; `connection` is the path's (one connection's page), checked by its route.
    static func parse(_ pairs: [(name: String, value: String)], page: Page, connection: Int?) throws -> Self {
        func value(_ name: String) -> String? { pairs.last { $0.name == name }?.value }
        var state = Self()
        if let connection {
            state.connectionID = connection
        } else {
            if let org = value("org"), !org.isEmpty { state.organization = try page.organization(org, allowing: .viewConnections) }
            if let text = value("connection"), !text.isEmpty {
                guard let id = RequestNumber.parse(text, in: RequestNumber.ids) else {
                    throw UserError.badRequest("“\(text.prefix(40))” is not a connection id.")
                }
                try page.access.require(.viewConnections, onConnection: id,
                                        ownedBy: try ConnectionInvites(database: page.database).organization(ofConnection: id))
                state.connectionID = id
            }
        }
        state.search = (value("q") ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard StoredText.length(state.search) <= RequestQueue.longestSearch else {
            throw UserError.badRequest("Search for at most \(RequestQueue.longestSearch) characters of a name or email.")
        }
        if let sort = value("sort"), !sort.isEmpty {
            guard let order = RequestQueue.Order(rawValue: sort) else { throw UserError.badRequest("Sort by oldest or newest first.") }
            state.order = order
        }
        if let size = value("size"), !size.isEmpty {
            guard let number = RequestNumber.parse(size, in: 1...RequestQueue.pageSizes.last!), RequestQueue.pageSizes.contains(number) else {
                throw UserError.badRequest("Show \(RequestQueue.pageSizes.map(String.init).joined(separator: ", ")) requests a page.")
            }
            state.size = number
        }
        if let text = value("after"), !text.isEmpty { state.after = try state.place(decoding: text) }
        if let text = value("before"), !text.isEmpty, state.after == nil { state.before = try state.place(decoding: text) }
        return state
    }

    /// The requests this state selects among the organizations given (those the caller may see or decide in).
    func filter(organizations: [Int]) -> RequestQueue.Filter {
        RequestQueue.Filter(organizations: organization.map { organizations.contains($0) ? [$0] : [] } ?? organizations,
                            connectionID: connectionID, search: search)
    }

    /// The address's pairs: the query, and the page's start unless `cursor` is false. One connection's
    /// page names its connection in the path, not here.
    func pairs(cursor: Bool = true, path connectionInPath: Bool = false) -> [(name: String, value: String)] {
        var pairs: [(name: String, value: String)] = []
        if let organization { pairs.append(("org", String(organization))) }
        if let connectionID, !connectionInPath { pairs.append(("connection", String(connectionID))) }
        if !search.isEmpty { pairs.append(("q", search)) }
        if order != .oldest { pairs.append(("sort", order.rawValue)) }
        if size != RequestQueue.defaultPageSize { pairs.append(("size", String(size))) }
        if cursor, let after { pairs.append(("after", encode(after))) }
        if cursor, let before { pairs.append(("before", encode(before))) }
        return pairs
    }

    static let list = "requests"

    /// What a cursor belongs to: every part of the query that chose and ordered the requests.
    var cursorQuery: QueryCursor.Query {
        [("org", organization.map(String.init) ?? ""), ("connection", connectionID.map(String.init) ?? ""),
         ("q", TextFolding.fold(search)), ("sort", order.rawValue)]
    }

    func encode(_ place: RequestQueue.Place) -> String {
        QueryCursor.encode(list: Self.list, query: cursorQuery, place: [String(place.id), place.requestedAt])
    }

    func place(decoding text: String) throws -> RequestQueue.Place {
        let place = try QueryCursor.decode(text, list: Self.list, query: cursorQuery, places: 2)
        guard let id = RequestNumber.parse(place[0], in: RequestNumber.ids) else { throw QueryCursor.invalid }
        return RequestQueue.Place(requestedAt: place[1], id: id)
    }
}
