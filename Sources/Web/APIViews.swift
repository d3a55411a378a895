import Domain
import FastCGI
import Storage

/// GET /api/v1/views: the saved views the caller may open (their own, and those shared with their
/// organizations), each with its table query; `view=` on the list and the exports applies one.
struct APIViews {
    let call: APICall

    func list() throws -> Response {
        APICall.json(ViewListAnswer.encode(try SavedViews(database: call.database).visible(to: call.access)))
    }

    /// The request's query with the view it names (`view=`) first: the view's state, then the
    /// request's own words (a sort or a page replaces the view's; filters add to its filters).
    static func expanded(_ query: [(name: String, value: String)], access: Access, database: Database) throws -> [(name: String, value: String)] {
        guard let named = query.last(where: { $0.name == "view" })?.value, named != "none" else { return query }
        guard let id = RequestNumber.parse(named, in: RequestNumber.ids) else {
            throw UserError.badRequest("A view is named by its number, not “\(named.prefix(80))”.")
        }
        let view = try SavedViews(database: database).view(id, for: access)
        return URLEncoding.parse(view.query) + query.filter { $0.name != "view" }
    }
}

enum ViewListAnswer: JSONAnswer {
    static let schemaName = "ViewList"

    static var members: [JSONMember<[SavedView]>] {
        [JSONMember(name: "views", schema: ["type": "array", "items": ViewAnswer.schema]) { .array($0.map(ViewAnswer.encode)) }]
    }
}

enum ViewAnswer: JSONAnswer {
    static let schemaName = "View"

    static var members: [JSONMember<SavedView>] {
        [
            JSONMember(name: "id", schema: ["type": "integer"]) { .int($0.id) },
            JSONMember(name: "name", schema: ["type": "string"]) { .string($0.name) },
            JSONMember(name: "organization_id", schema: ["type": ["integer", "null"], "description": "The organization it is shared with; null: the caller's own."]) {
                $0.organizationID.map(JSON.int) ?? .null
            },
            JSONMember(name: "query", schema: ["type": "string", "description": "The table's query it opens as (`f`, `op`, `v`, `g`, `match`, `gm`, `sort`, ...)."]) {
                .string($0.query)
            },
            JSONMember(name: "updated_at", schema: OpenAPIDocument.timestamp) { .string($0.updatedAt) },
        ]
    }
}
