import Domain
import FastCGI

/// GET /search?q=...: the header's search box without JavaScript, results grouped (connections,
/// drivers, organizations), each group paged on its own (`group` and its cursor `after`).
/// GET /search/suggest?q=...: the same first results as JSON, for the box's list with JavaScript.
struct SearchPage {
    let page: Page
    /// Per group on the results page, and in the box's list.
    static let pageSize = 20
    static let suggestions = 4

    func respond() throws -> Response {
        let query = try ConsoleSearch.query(page.request.queryValue("q"))
        var groups: [TemplateValue] = []
        if let query {
            let only = try page.request.queryValue("group").map { name throws(UserError) -> ConsoleSearch.Group in
                guard let group = ConsoleSearch.Group(rawValue: name) else { throw .badRequest("There is no search group “\(name.prefix(20))”.") }
                return group
            }
            let after = try page.request.queryValue("after").map { text throws(UserError) -> Int in
                guard let only else { throw .badRequest("A cursor continues one group: give its group too.") }
                return try Self.place(text, group: only, query: query)
            }
            for group in ConsoleSearch.Group.allCases where only == nil || only == group {
                let found = try Self.hits(group, query: query, page: page, after: after, limit: Self.pageSize + 1)
                let shown = Array(found.prefix(Self.pageSize))
                let more = found.count > Self.pageSize ? shown.last.map { Self.cursor(group, query: query, after: $0.id) } : nil
                groups.append([
                    "label": .text(group.label), "id": .text(group.rawValue),
                    "hits": .list(shown.map { ["label": .text($0.label), "detail": .text($0.detail), "url": .text($0.url)] }),
                    "hasHits": .bool(!shown.isEmpty),
                    "none": .text(query.reachesIndexes || group == .organizations ? "No \(group.rawValue) match."
                                  : "Type at least \(ConsoleSearch.shortest) characters to search \(group.rawValue)."),
                    "moreURL": more.map { .text("/search?" + URLEncoding.encode([("q", query.text), ("group", group.rawValue), ("after", $0)])) } ?? false,
                    "continued": .bool(after != nil),
                ])
            }
        }
        let title = query.map { "Search: \($0.text)" } ?? "Search"
        return page.html(.search, title: title, [
            "searchQuery": .text(query?.text ?? ""),
            "hasQuery": .bool(query != nil),
            "groups": .list(groups),
            "allURL": .text("/search?" + URLEncoding.encode([("q", query?.text ?? "")])),
        ])
    }

    /// The first few of each group, as JSON: {"groups": [{"label", "items": [{"label", "detail", "url"}]}], "all": url}.
    func suggest() throws -> Response {
        guard let query = try ConsoleSearch.query(page.request.queryValue("q")) else {
            return Self.json(.object([("groups", .array([])), ("all", .string("/search"))]))
        }
        let groups = try ConsoleSearch.Group.allCases.map { group -> JSON in
            let hits = try Self.hits(group, query: query, page: page, after: nil, limit: Self.suggestions)
            return .object([("label", .string(group.label)), ("items", .array(hits.map {
                .object([("label", .string($0.label)), ("detail", .string($0.detail)), ("url", .string($0.url))])
            }))])
        }
        return Self.json(.object([("groups", .array(groups)), ("all", .string("/search?" + URLEncoding.encode([("q", query.text)])))]))
    }

    static func json(_ value: JSON) -> Response {
        Response(status: 200, headers: [("Content-Type", "application/json"), ("Cache-Control", "no-store")], body: .bytes(value.bytes))
    }

    struct Hit {
        let id: Int
        let label: String
        let detail: String
        let url: String
    }

    static func hits(_ group: ConsoleSearch.Group, query: ConsoleSearch.Query, page: Page, after: Int?, limit: Int) throws -> [Hit] {
        let search = ConsoleSearch(database: page.database)
        switch group {
        case .connections:
            return try search.connections(query, access: page.access, after: after, limit: limit).map {
                Hit(id: $0.id, label: $0.name, detail: [$0.organization, $0.status, $0.searchCode.map { "code \($0)" }].compactMap { $0 }.joined(separator: " · "),
                    url: "/connections/\($0.id)")
            }
        case .drivers:
            return try search.drivers(query, access: page.access, after: after, limit: limit).map {
                Hit(id: $0.id, label: "\($0.name) <\($0.email)>", detail: "\($0.state.rawValue) · \($0.connectionName) · \($0.organization)",
                    url: "/connections/\($0.connectionID)?" + URLEncoding.encode([("state", $0.state.rawValue), ("q", $0.email)]) + "#drivers")
            }
        case .organizations:
            return try search.organizations(query, access: page.access, after: after, limit: limit).map {
                Hit(id: $0.id, label: $0.name, detail: "Organization", url: "/connections?org=\($0.id)")
            }
        }
    }

    static func cursor(_ group: ConsoleSearch.Group, query: ConsoleSearch.Query, after id: Int) -> String {
        QueryCursor.encode(list: "search-" + group.rawValue, query: [("q", query.text)], place: [String(id)])
    }

    static func place(_ text: String, group: ConsoleSearch.Group, query: ConsoleSearch.Query) throws(UserError) -> Int {
        let place = try QueryCursor.decode(text, list: "search-" + group.rawValue, query: [("q", query.text)], places: 1)
        guard let id = RequestNumber.parse(place[0], in: RequestNumber.ids) else { throw QueryCursor.invalid }
        return id
    }
}

extension ConsoleSearch.Group {
    var label: String { rawValue.prefix(1).uppercased() + rawValue.dropFirst() }
}
