import Domain
import FastCGI

/// The API's OpenAPI 3.1 description, served at /api/v1/openapi.json, assembled from declared
/// parts: the paths from the route table's operations (`APIOperation`), the parameters from
/// `APIParameter`, the request bodies and answers from their declared types (`JSONBody`,
/// `JSONAnswer`), the rows from the column catalog; what is left here is written from the operator
/// table, the allowed values and the error statuses. Lists used in several places (columns,
/// conditions, the table's words) are components, referred to by `$ref`. The tests validate every
/// API answer they get against it, run schemathesis with every check, and walk the API with a
/// client generated from it.
enum OpenAPIDocument {
    static let bytes: [UInt8] = document.bytes

    static var response: Response {
        Response(headers: [("Content-Type", "application/json"), ("Cache-Control", "no-cache")], body: .bytes(bytes))
    }

    static var document: JSON {
        [
            "openapi": "3.1.0",
            "info": [
                "title": "Connections API",
                "version": "1.0.0",
                "description": .string("""
                    Everything the console does with connections and drivers, for HR and fleet systems. Send an API token \
                    (made at /account/tokens) as `Authorization: Bearer <token>`: it acts with its user's roles in each organization, \
                    as the console does (another organization's things answer 404, a role without the right 403). Failures are \
                    problem details (RFC 9457) with the console's messages. Each token may make \(WebConfiguration.apiRequestsPerMinute) \
                    requests a minute (bursts of \(WebConfiguration.apiBurst)); over that, 429 with Retry-After. An address \
                    longer than 32 KB is refused with 414 (problem details) before the API sees it.
                    """),
            ],
            "servers": [["url": "/"]],
            "security": [["bearer": []], ["session": []]],
            "paths": paths,
            "webhooks": WebhookDocument.webhooks,
            "components": [
                "securitySchemes": [
                    "bearer": ["type": "http", "scheme": "bearer", "description": "An API token from /account/tokens."],
                    "session": ["type": "apiKey", "in": "cookie", "name": "session",
                                "description": "A signed-in browser's session: for reading only; every change needs a token."],
                ],
                "schemas": schemas,
                "parameters": .object(APIParameter.allCases.map { ($0.rawValue, $0.declaration) }),
                "responses": responses,
            ],
        ]
    }

    // MARK: Paths

    /// Each API route's operation, under its path (`{id:Int}` written `{id}`), by method, in the route table's order.
    static var paths: JSON {
        var paths: [(String, [(String, JSON)])] = []
        for route in ConsoleHandler.routes {
            guard let operation = route.operation else { continue }
            let path = route.path.replacingOccurrences(of: ":Int}", with: "}")
            let pathParameters = route.segments.compactMap { segment -> APIParameter? in
                guard case .integer(let name) = segment else { return nil }
                return APIParameter.path(name)
            }
            var open = false
            if case .api(.anyone) = route.access { open = true }
            let entry = (route.methods[0].lowercased(), operation.document(pathParameters: pathParameters, open: open))
            if let index = paths.firstIndex(where: { $0.0 == path }) { paths[index].1.append(entry) } else { paths.append((path, [entry])) }
        }
        return .object(paths.map { ($0.0, .object($0.1)) })
    }

    /// The request bodies' and answers' types, as the routes declare them, with the types they refer to, each once.
    static var describedTypes: [any JSONSchemaDescribed.Type] {
        var types: [any JSONSchemaDescribed.Type] = []
        func add(_ type: any JSONSchemaDescribed.Type) {
            guard !types.contains(where: { $0.schemaName == type.schemaName }) else { return }
            types.append(type)
            type.parts.forEach(add)
        }
        for operation in ConsoleHandler.routes.compactMap(\.operation) {
            operation.body.map(add)
            operation.answers.compactMap(\.type).forEach(add)
        }
        return types
    }

    static func ref(_ name: String) -> JSON { ["$ref": .string("#/components/schemas/\(name)")] }

    // MARK: Schemas

    /// A timestamp as the API writes it (RFC 3339, UTC: "2026-11-25T14:30:00Z").
    static let timestamp: JSON = ["type": "string", "format": "date-time"]

    static func strings(_ values: [String]) -> JSON { .array(values.map(JSON.string)) }

    static let nextPage: JSON = ["type": ["string", "null"], "description": """
        The address of the next page, every parameter of the query with the cursor: follow it as it is; null on the last.
        """]

    static var schemas: JSON {
        guard case .object(let named) = namedSchemas else { return .null }
        return .object(sharedEnumerations.map { ($0.name, enumeration($0.values)) } + named + describedTypes.map { ($0.schemaName, $0.schema) }
                       + WebhookDocument.payloadSchemas)
    }

    static var namedSchemas: JSON {
        return [
            "ColumnKey": ["type": "string", "description": "A column of the table, by key.", "enum": strings(ColumnCatalog.all.map(\.key))],
            "Condition": ["type": "string", "description": "A filter's condition.", "enum": strings(FilterConditions.all.map(\.key))],
            "Match": ["type": "string", "description": "Whether all filters must hold, or any.", "enum": strings(FilterMatch.allCases.map(\.rawValue))],
            "Order": ["type": "string", "enum": ["asc", "desc"]],
            "WebhookEventType": ["type": "string", "description": "An event a webhook can carry.", "enum": strings(WebhookEventType.subscribable.map(\.rawValue))],
            "Problem": [
                "type": "object", "description": "Problem details (RFC 9457); `detail` is the message the console shows.",
                "required": ["type", "title", "status", "detail"],
                "properties": [
                    "type": ["type": "string"], "title": ["type": "string"], "status": ["type": "integer", "minimum": 400, "maximum": 599],
                    "detail": ["type": "string"],
                    "errors": ["type": "object", "description": "Each field that needs another value, with why.",
                               "additionalProperties": ["type": "string"]],
                    "filters": ["type": "array", "description": "Each filter that cannot apply as written.", "items": [
                        "type": "object", "required": ["index", "column", "detail"],
                        "properties": ["index": ["type": "integer"], "column": ["type": "string"], "detail": ["type": "string"]]]],
                    "differences": ["type": "array", "description": "The fields another save changed, by name; their saved values are in `current`.",
                                    "items": ["type": "object", "required": ["field", "label"],
                                              "properties": ["field": ["type": "string"], "label": ["type": "string"]]]],
                    "current": ConnectionAnswer.schemaReference,
                ],
            ],
            "ConnectionRow": [
                "type": "object", "description": "A row of the table: its id, then the columns asked for, by key.",
                "required": ["id"], "additionalProperties": false,
                "properties": .object([("id", ["type": "integer"])] + ColumnCatalog.all.map { ($0.key, cellSchema($0)) }),
            ],
        ]
    }

    /// A cell's value by its column's kind, as the rows and the NDJSON export write it.
    static func cellSchema(_ column: Column) -> JSON {
        let description = JSON.string(column.label + (column.seenWith == nil ? "" : " (only for those who may invite drivers)"))
        switch column.kind {
        case .number, .identifier: return ["type": "integer", "description": description]
        case .enumeration(let values):
            guard let shared = sharedEnumerations.first(where: { $0.values == values }) else {
                return ["type": "string", "enum": strings(values), "description": description]
            }
            return ["$ref": .string("#/components/schemas/\(shared.name)"), "description": description]
        case .list: return ["type": "array", "items": ["type": "string"], "description": description]
        case .date: return ["type": "string", "format": "date-time", "description": description]
        case .text, .inviteLink: return ["type": "string", "description": description]
        }
    }

    static func enumeration(_ values: [String]) -> JSON { ["type": "string", "enum": strings(values)] }

    /// The vocabulary's lists, each one component that fields and the table's cells refer to.
    static let sharedEnumerations: [(name: String, values: [String])] = [
        ("ConnectionType", ConnectionType.allCases.map(\.rawValue)), ("ConnectionStatus", ConnectionStatus.allCases.map(\.rawValue)),
        ("Visibility", Visibility.allCases.map(\.rawValue)), ("ApprovalType", ApprovalType.allCases.map(\.rawValue)),
        ("Benefit", BenefitKind.allCases.map(\.rawValue)), ("MembershipState", MembershipState.allCases.map(\.rawValue)),
    ]

    /// The error answers operations refer to: a Problem with the status's header where it has one.
    static var responses: JSON {
        let descriptions: [(String, String)] = [
            ("400", "The request cannot be read: a value is wrong (the detail says which)."),
            ("401", "No token, or one that is revoked or expired; a change with only a session cookie."),
            ("403", "The caller's role does not allow this."), ("404", "No such thing among the caller's organizations."),
            ("405", "The path does not answer this method."),
            ("414", "The address is too long (nginx refuses it before the API sees it)."),
            ("409", "A conflict: someone else saved first, a name is taken, a driver is not in the state the decision needs."),
            ("413", "The body is too large."), ("429", "Too many requests for this token (or exports at once)."),
            ("500", "The app failed (it logs why); nothing was half done."),
            ("502", "nginx could not reach the app (it is restarting, or stopped)."),
            ("503", "The database is busy or cannot be written; try again."),
            ("504", "The app did not answer in time."),
        ]
        return .object(descriptions.map { status, description in
            var fields: [(String, JSON)] = [("description", .string(description)),
                                            ("content", ["application/problem+json": ["schema": ref("Problem")]])]
            if status == "429" || status == "503" {
                fields.append(("headers", ["Retry-After": ["required": true, "schema": ["type": "string", "pattern": "^[0-9]+$"],
                                                           "description": "Seconds to wait."]]))
            }
            return ("Problem\(status)", .object(fields))
        })
    }
}
