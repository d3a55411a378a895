import Domain

/// What an API route declares about itself, beside its access rule: the OpenAPI document's
/// operation is made from this, the route's path and its rule (`OpenAPIDocument.paths`), so the
/// document cannot list an operation, a parameter or a body the route table does not have.
struct APIOperation: Sendable {
    let id: String
    let summary: String
    /// Query parameters; the path's own (`{id:Int}`) come from the route's path.
    var query: [APIParameter] = []
    /// The request body's type: the handler decodes through it, and the document shows its schema.
    var body: (any JSONBody.Type)? = nil
    /// The body is a file (CSV or XLSX), not JSON.
    var fileBody = false
    /// The answers that are not problems, by status.
    let answers: [APIAnswer]
    /// The problem statuses the operation gives itself (those any request may meet are added: `anyRequestErrors`).
    var errors: [Int] = [400, 401, 403, 404, 429, 503]

    /// Answers any request may get: an address too long (nginx), a failure in the app or between nginx and it, the
    /// database busy, the app not answering in time.
    static let anyRequestErrors = [414, 500, 502, 503, 504]

    /// The errors of an operation that takes a body: a body too large besides.
    static let bodyErrors = [400, 401, 403, 404, 413, 429, 503]

    /// The OpenAPI operation object, with `pathParameters` from the route's path; `open` (anyone may call it) declares no security.
    func document(pathParameters: [APIParameter], open: Bool) -> JSON {
        var responses = answers.map { (String($0.status), $0.document) }
        for status in errors + Self.anyRequestErrors where !responses.contains(where: { $0.0 == String(status) }) {
            responses.append((String(status), ["$ref": .string("#/components/responses/Problem\(status)")]))
        }
        var fields: [(String, JSON)] = [("operationId", .string(id)), ("summary", .string(summary)),
                                        ("parameters", .array((pathParameters + query).map(\.reference)))]
        if let body {
            fields.append(("requestBody", ["required": true, "content": ["application/json": ["schema": body.schemaReference]]]))
        }
        if fileBody {
            let bytes: JSON = ["schema": ["type": "string", "format": "binary"]]
            fields.append(("requestBody", ["required": true, "content": .object([(ImportFile.mediaTypes[0], bytes)]),
                                            "description": .string("The file: CSV or XLSX; sent as \(ImportFile.mediaTypes.joined(separator: ", ")).")]))
        }
        if open { fields.append(("security", [])) }
        fields.append(("responses", .object(responses)))
        return .object(fields)
    }

    /// Refuses a query parameter the operation does not declare, and one given twice that is not a
    /// list: ignored, a misspelt filter (`filters=`) or state would answer rows the caller did not ask for.
    func checkQuery(_ pairs: [(name: String, value: String)]) throws {
        let declared = query.flatMap(\.queryNames)
        var seen = Set<String>()
        for pair in pairs {
            guard declared.contains(pair.name) else {
                let names = declared.filter { !APIParameter.tableAliases.contains($0) }.map { "“\($0)”" }.joined(separator: ", ")
                throw UserError.badRequest("This operation takes no parameter “\(pair.name.prefix(40))”"
                                           + (names.isEmpty ? ": it takes none." : "; it takes \(names)."))
            }
            guard seen.insert(pair.name).inserted || query.contains(where: { $0.isList && $0.queryNames.contains(pair.name) }) else {
                throw UserError.badRequest("“\(pair.name)” is given more than once: give it once.")
            }
        }
    }
}

/// One answer an operation gives that is not a problem: its status and its content.
struct APIAnswer: Sendable {
    let status: Int
    let document: JSON
    /// The described type of its content, listed among the document's schemas.
    var type: (any JSONSchemaDescribed.Type)? = nil

    /// A JSON answer with `schema` (and `headers`, when it sets some).
    static func json(_ status: Int, _ description: String, _ schema: JSON, headers: JSON? = nil) -> APIAnswer {
        var fields: [(String, JSON)] = [("description", .string(description)), ("content", ["application/json": ["schema": schema]])]
        if let headers { fields.append(("headers", headers)) }
        return APIAnswer(status: status, document: .object(fields))
    }

    /// A JSON answer whose content is a described type.
    static func json(_ status: Int, _ description: String, _ type: any JSONSchemaDescribed.Type, headers: JSON? = nil) -> APIAnswer {
        APIAnswer(status: status, document: json(status, description, type.schemaReference, headers: headers).document, type: type)
    }
}
