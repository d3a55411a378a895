import Domain
import FastCGI

/// The API's OpenAPI 3.1 description, served at /api/v1/openapi.json. Written from the same
/// sources as the API: the column catalog (row fields, sort and filter columns), the operator
/// table, the allowed values, the page sizes and limits, and the patterns of the checks the server
/// makes (`StoredText.linePattern`, `ConnectionDraft.domainPattern`), so that every request the
/// document allows is one the server takes. Lists used in several places (columns, conditions,
/// the table's words) are components, referred to by `$ref`. A unit test holds its paths and
/// methods to the route table; the tests validate every API answer they get against it, run
/// schemathesis with every check, and walk the API with a client generated from it.
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
            "components": [
                "securitySchemes": [
                    "bearer": ["type": "http", "scheme": "bearer", "description": "An API token from /account/tokens."],
                    "session": ["type": "apiKey", "in": "cookie", "name": "session",
                                "description": "A signed-in browser's session: for reading only; every change needs a token."],
                ],
                "schemas": schemas,
                "parameters": parameters,
                "responses": responses,
            ],
        ]
    }

    // MARK: Paths

    static var paths: JSON {
        [
            "/api/v1/openapi.json": ["get": operation("openapi", "This description.", security: [], errors: [], ok: ["200": [
                "description": "The OpenAPI document.", "content": ["application/json": ["schema": ["type": "object"]]]]])],
            "/api/v1/connections": [
                "get": operation("listConnections", """
                    The connections table: the same filters (`filter=column:condition:value` once per filter; `match`), sort, columns \
                    and paging as /connections, with the total count. Continue with `cursor` (from `next_cursor`): rows added or removed meanwhile \
                    shift nothing, so each row comes at most once.
                    """, parameters: tableParameters + [parameter("Cursor")],
                    ok: ["200": json("The page of rows.", ref("ConnectionList"))]),
                "post": operation("createConnection", """
                    Creates a connection in `organization_id`, with the form's checks. A name the organization already has is a 409. \
                    Needs: manage connections.
                    """,
                                  body: ref("ConnectionInput"), errors: ["400", "401", "403", "404", "409", "413", "429", "503"],
                                  ok: ["201": json("The connection made.", ref("Connection"), headers: [
                                    "Location": ["required": true, "schema": ["type": "string"], "description": "The connection's address."]])]),
            ],
            "/api/v1/connections/export.csv": ["get": operation("exportConnectionsCSV", """
                Every row the table's words select, in its sort, as CSV (RFC 4180), streamed; the same limits and audit as the page's \
                exports. A failure part way ends the file with an `EXPORT INCOMPLETE` line.
                """, parameters: tableParameters + [["name": "bom", "in": "query", "description": "1: start with a byte-order mark, for Excel.",
                                                     "schema": ["type": "string", "enum": ["0", "1"]]]],
                ok: ["200": ["description": "The CSV file.", "content": ["text/csv": ["schema": ["type": "string"]]]]])],
            "/api/v1/connections/export.ndjson": ["get": operation("exportConnectionsNDJSON", """
                The same rows as NDJSON: one object per line, as the list's rows. A failure part way ends the stream with a line \
                `{"incomplete": true, …}`.
                """, parameters: tableParameters,
                ok: ["200": ndjson])],
            "/api/v1/connections/{id}": [
                "get": operation("getConnection", "One connection: its form's fields and its table row.", parameters: [parameter("Id")],
                                 ok: ["200": json("The connection.", ref("Connection"))]),
                "patch": operation("updateConnection", """
                    Changes the fields given, with the form's checks. `version` is the version the change was made against: if someone \
                    saved since, nothing is overwritten and the answer (409) lists what differs and the connection as it is now. \
                    Needs: manage connections.
                    """, parameters: [parameter("Id")], body: ref("ConnectionChanges"), errors: ["400", "401", "403", "404", "409", "413", "429", "503"],
                    ok: ["200": json("The connection as saved.", ref("Connection"))]),
            ],
            "/api/v1/connections/{id}/enable": ["post": operation("enableConnection", "Drivers can find and join it again. Needs: manage connections.",
                                                                  parameters: [parameter("Id")], ok: ["200": json("The connection.", ref("Connection"))])],
            "/api/v1/connections/{id}/disable": ["post": operation("disableConnection", """
                Drivers can no longer find or join it; those connected stay. Needs: manage connections.
                """, parameters: [parameter("Id")], ok: ["200": json("The connection.", ref("Connection"))])],
            "/api/v1/connections/{id}/rotate": ["post": operation("rotateInvite", """
                A new invite link (`link`) or search code (`code`); the old one stops working at once. Needs: rotate codes.
                """, parameters: [parameter("Id")], body: ["type": "object", "additionalProperties": false, "required": ["what"],
                                                      "properties": ["what": ["type": "string", "enum": ["link", "code"]]]],
                errors: ["400", "401", "403", "404", "413", "429", "503"], ok: ["200": json("The new invite.", ref("Invite"))])],
            "/api/v1/connections/{id}/memberships": ["get": operation("listConnectionMemberships", """
                The connection's drivers in one state (Pending: requests waiting), oldest first.
                """, parameters: [parameter("Id")] + membershipParameters, ok: ["200": json("A page of memberships.", ref("MembershipList"))])],
            "/api/v1/memberships": ["get": operation("listMemberships", """
                Drivers in one state across every connection the caller may see, oldest first.
                """, parameters: membershipParameters, ok: ["200": json("A page of memberships.", ref("MembershipList"))])],
            "/api/v1/memberships/decide": ["post": operation("decideMemberships", """
                Approves or denies (with a reason the driver sees) pending requests, or removes connected drivers: all or none. \
                Needs: decide on requests in each membership's organization.
                """, body: ref("Decision"), errors: ["400", "401", "403", "404", "409", "413", "429", "503"],
                ok: ["200": json("How many changed.", ["type": "object", "additionalProperties": false, "required": ["changed"],
                                                       "properties": ["changed": ["type": "integer", "minimum": 0]]])])],
            "/api/v1/audit": ["get": operation("listAudit", "The audit log, newest first, 50 entries a page. Needs: read the audit log.",
                                               parameters: [
                                                ["name": "org", "in": "query", "description": "One organization, or all of the caller's.",
                                                 "schema": organizationSchema],
                                                parameter("Page"),
                                               ], ok: ["200": json("A page of the log.", ref("AuditLog"))])],
        ]
    }

    /// One operation: its answers, the errors it can give (problem details: its own, and those any request may meet
    /// on the way, from nginx or the app), its parameters and body.
    static func operation(_ id: String, _ summary: String, parameters: [JSON] = [], body: JSON? = nil, security: JSON? = nil,
                          errors: [String] = ["400", "401", "403", "404", "429", "503"], ok: JSON) -> JSON {
        guard case .object(var responses) = ok else { return .null }
        for status in errors + anyRequestErrors where !responses.contains(where: { $0.0 == status }) {
            responses.append((status, ["$ref": .string("#/components/responses/Problem\(status)")]))
        }
        var fields: [(String, JSON)] = [("operationId", .string(id)), ("summary", .string(summary)), ("parameters", .array(parameters))]
        if let body {
            fields.append(("requestBody", ["required": true, "content": ["application/json": ["schema": body]]]))
        }
        if let security { fields.append(("security", security)) }
        fields.append(("responses", .object(responses)))
        return .object(fields)
    }

    static func json(_ description: String, _ schema: JSON, headers: JSON? = nil) -> JSON {
        var fields: [(String, JSON)] = [("description", .string(description)), ("content", ["application/json": ["schema": schema]])]
        if let headers { fields.append(("headers", headers)) }
        return .object(fields)
    }

    static func ref(_ name: String) -> JSON { ["$ref": .string("#/components/schemas/\(name)")] }

    static func parameter(_ name: String) -> JSON { ["$ref": .string("#/components/parameters/\(name)")] }

    /// Answers any request may get: an address too long (nginx), a failure in the app or between nginx and it, the
    /// database busy, the app not answering in time.
    static let anyRequestErrors = ["414", "500", "502", "503", "504"]

    /// An NDJSON export: one row a line. Also described as a byte stream, the media type client generators know,
    /// so that they keep the operation (a generator that knows NDJSON reads the first).
    static var ndjson: JSON {
        let stream: JSON = ["type": "string", "contentMediaType": "application/x-ndjson", "description": """
            One JSON object a line, each a `ConnectionRow`; a stream cut short ends with `{"incomplete": true, …}`.
            """]
        return ["description": "One JSON object per line.", "content": [
            "application/x-ndjson": ["schema": stream],
            "application/octet-stream": ["schema": ["type": "string", "format": "binary", "description": "The same stream, as bytes."]],
        ]]
    }

    /// A timestamp as the API writes it (RFC 3339, UTC: "2026-11-25T14:30:00Z").
    static let timestamp: JSON = ["type": "string", "format": "date-time"]

    static let organizationSchema: JSON = ["type": "string", "pattern": .string("^(?:[1-9][0-9]{0,15}|all)" + SchemaPattern.end)]

    static func strings(_ values: [String]) -> JSON { .array(values.map(JSON.string)) }

    /// The parameters several operations share, referred to by `$ref`.
    static var parameters: JSON {
        let ids: JSON = ["type": "integer", "minimum": 1, "maximum": .int(RequestNumber.ids.upperBound)]
        return [
            "Id": ["name": "id", "in": "path", "required": true, "schema": ids],
            "Cursor": ["name": "cursor", "in": "query", "description": """
                `next_cursor` of the previous page; not with `page`. It belongs to its whole query (filters, `match`, `sort`, `order`, \
                `org`, `sel`): with another, 400 naming what differs. `next` repeats the query with it.
                """, "schema": ["type": "string", "maxLength": .int(QueryCursor.longest)]],
            "Filter": ["name": "filter", "in": "query", "style": "form", "explode": true, "description": .string("""
                A filter, once per filter: `column:condition:value`, e.g. `name:contains:fleet`, `connected_drivers:gt:10`, \
                `created_at:starts:2026-12`, `status:is:Disabled`, `questions:empty:` (a condition that takes no value ignores it). \
                The pattern says which conditions apply to which columns and what value each takes (a whole number, a day as \
                YYYY-MM-DD, one of a column's values, or one line of up to \(Filter.maximumValueLength) characters). The table's \
                `f`, `op` and `v` are taken too.
                """), "schema": ["type": "array", "maxItems": .int(APIConnections.mostFilterWords),
                                 "items": ["type": "string", "pattern": .string(FilterPattern.parameter),
                                           "maxLength": .int(FilterSet.longestWord)]]],
            "Match": ["name": "match", "in": "query", "schema": ref("Match")],
            "Sort": ["name": "sort", "in": "query", "schema": ref("ColumnKey")],
            "Order": ["name": "order", "in": "query", "schema": ref("Order")],
            "Page": ["name": "page", "in": "query", "schema": ["type": "integer", "minimum": 1, "maximum": .int(RequestNumber.pages.upperBound)]],
            "Size": ["name": "size", "in": "query", "schema": ["type": "integer", "minimum": .int(TableState.pageSizeLimits.lowerBound),
                                                              "maximum": .int(TableState.pageSizeLimits.upperBound),
                                                              "default": .int(TableState.defaultPageSize)]],
            "Organization": ["name": "org", "in": "query", "description": "One organization's connections, or `all` of the caller's.",
                             "schema": organizationSchema],
            "Columns": ["name": "cols", "in": "query", "style": "form", "explode": false,
                        "description": "The columns to answer with, by key, each once, separated by commas; every column the caller may see by default.",
                        "schema": ["type": "array", "minItems": 1, "uniqueItems": true, "items": ref("ColumnKey")]],
            "Selection": ["name": "sel", "in": "query", "style": "form", "explode": false,
                          "description": "Only these connection ids (within the filters), separated by commas.",
                          "schema": ["type": "array", "minItems": 1, "maxItems": .int(APIConnections.mostSelected), "items": ids]],
            "MembershipState": ["name": "state", "in": "query", "schema": ref("MembershipState")],
            "MembershipSize": ["name": "size", "in": "query", "schema": ["type": "integer", "minimum": .int(APIMemberships.pageSizes.lowerBound),
                                                                        "maximum": .int(APIMemberships.pageSizes.upperBound), "default": 50]],
            "MembershipCursor": ["name": "cursor", "in": "query",
                                 "description": "`next_cursor` of the previous page, with the same `state` and path (else 400 naming what differs).",
                                 "schema": ["type": "string", "maxLength": .int(QueryCursor.longest)]],
        ]
    }

    /// The words of /connections' address.
    static let tableParameters = ["Filter", "Match", "Sort", "Order", "Page", "Size", "Organization",
                                  "Columns", "Selection"].map(parameter)

    static let membershipParameters = ["MembershipState", "MembershipSize", "MembershipCursor"].map(parameter)

    // MARK: Schemas

    static var schemas: JSON {
        guard case .object(let named) = namedSchemas else { return .null }
        return .object(sharedEnumerations.map { ($0.name, enumeration($0.values)) } + named)
    }

    static var namedSchemas: JSON {
        let nullableText: JSON = ["type": ["string", "null"]]
        let next: JSON = ["type": ["string", "null"], "description": "The address of the next page, every parameter of the query with the cursor: follow it as it is; null on the last."]
        return [
            "ColumnKey": ["type": "string", "description": "A column of the table, by key.", "enum": strings(ColumnCatalog.all.map(\.key))],
            "Condition": ["type": "string", "description": "A filter's condition.", "enum": strings(FilterConditions.all.map(\.key))],
            "Match": ["type": "string", "description": "Whether all filters must hold, or any.", "enum": strings(FilterMatch.allCases.map(\.rawValue))],
            "Order": ["type": "string", "enum": ["asc", "desc"]],
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
                    "current": ref("Connection"),
                ],
            ],
            "ConnectionRow": [
                "type": "object", "description": "A row of the table: its id, then the columns asked for, by key.",
                "required": ["id"], "additionalProperties": false,
                "properties": .object([("id", ["type": "integer"])] + ColumnCatalog.all.map { ($0.key, cellSchema($0)) }),
            ],
            "ConnectionList": [
                "type": "object", "additionalProperties": false,
                "required": ["total", "size", "sort", "order", "match", "filters", "columns", "rows", "next_cursor", "next"],
                "properties": [
                    "total": ["type": "integer", "minimum": 0, "description": "Every row the filters select, on all pages."],
                    "size": ["type": "integer"], "sort": ref("ColumnKey"), "order": ref("Order"), "match": ref("Match"),
                    "filters": ["type": "array", "items": ["type": "object", "additionalProperties": false,
                                                           "required": ["column", "condition", "value", "sentence"],
                                                           "properties": ["column": ref("ColumnKey"), "condition": ref("Condition"),
                                                                          "value": ["type": "string"], "sentence": ["type": "string"]]]],
                    "columns": ["type": "array", "items": ref("ColumnKey")],
                    "rows": ["type": "array", "items": ref("ConnectionRow")],
                    "next_cursor": ["type": ["string", "null"], "description": "Give as `cursor` for the next page; null on the last."],
                    "next": next,
                ],
            ],
            "Connection": [
                "type": "object", "additionalProperties": false,
                "required": ["id", "organization_id", "version", "name", "name_for_drivers", "connection_type", "status", "visibility",
                             "approval_type", "benefits", "discount_percent", "email_domains", "questions", "row"],
                "properties": [
                    "id": ["type": "integer"], "organization_id": ["type": "integer"],
                    "version": ["type": "integer", "minimum": 1, "description": "Send it back with a change."],
                    "name": ["type": "string"], "name_for_drivers": ["type": "string"],
                    "connection_type": ref("ConnectionType"), "status": ref("ConnectionStatus"), "visibility": ref("Visibility"),
                    "approval_type": ref("ApprovalType"), "benefits": ["type": "array", "items": ref("Benefit")],
                    "discount_percent": ["type": ["integer", "null"], "minimum": 1, "maximum": 100],
                    "email_domains": ["type": "array", "items": ["type": "string"]],
                    "questions": ["type": "array", "items": ["type": "string"]],
                    "row": ref("ConnectionRow"),
                ],
            ],
            "ConnectionInput": connectionInput(required: ["organization_id", "name", "name_for_drivers", "benefits"], extra: [
                ("organization_id", ["type": "integer", "minimum": 1, "maximum": .int(RequestNumber.ids.upperBound),
                                     "description": "The organization to create it in."]),
            ]),
            "ConnectionChanges": connectionInput(required: ["version"], extra: [
                ("version", ["type": "integer", "minimum": 1, "maximum": .int(RequestNumber.ids.upperBound),
                             "description": "The `version` the change was made against."]),
            ]),
            "Invite": [
                "type": "object", "additionalProperties": false, "required": ["id", "invite_link", "search_code"],
                "properties": ["id": ["type": "integer"], "invite_link": ["type": "string"], "search_code": ["type": "string"]],
            ],
            "Membership": [
                "type": "object", "additionalProperties": false,
                "required": ["id", "connection_id", "connection_name", "organization_id", "driver_name", "email", "state", "requested_at",
                             "email_domain_matches", "answers"],
                "properties": [
                    "id": ["type": "integer"], "connection_id": ["type": "integer"], "connection_name": ["type": "string"],
                    "organization_id": ["type": "integer"], "driver_name": ["type": "string"], "email": ["type": "string"],
                    "state": ref("MembershipState"), "requested_at": timestamp,
                    "email_domain_matches": ["type": "boolean", "description": """
                        The connection approves by email domain and this email's domain is on its list: not an approval, since nobody \
                        has shown they read the address.
                        """],
                    "answers": ["type": "array", "items": ["type": "object", "additionalProperties": false, "required": ["prompt", "answer"],
                                                           "properties": ["prompt": ["type": "string"], "answer": ["type": "string"]]]],
                ],
            ],
            "MembershipList": [
                "type": "object", "additionalProperties": false, "required": ["state", "total", "memberships", "next_cursor", "next"],
                "properties": [
                    "state": ref("MembershipState"), "total": ["type": "integer", "minimum": 0],
                    "memberships": ["type": "array", "items": ref("Membership")], "next_cursor": nullableText, "next": next,
                ],
            ],
            "Decision": ["description": "One schema an action: a denial needs a reason the driver sees; the others take none.", "oneOf": [
                decision("approve"), decision("remove"),
                decision("deny", reason: ["type": "string", "pattern": .string(StoredText.linePattern(upTo: MembershipDecisions.longestReason,
                                                                                                      lineBreaks: true)),
                                          "description": .string("The driver sees it: up to \(MembershipDecisions.longestReason) characters, line breaks allowed.")]),
            ]],
            "AuditLog": [
                "type": "object", "additionalProperties": false, "required": ["total", "page", "page_count", "entries"],
                "properties": [
                    "total": ["type": "integer"], "page": ["type": "integer"], "page_count": ["type": "integer"],
                    "entries": ["type": "array", "items": [
                        "type": "object", "additionalProperties": false,
                        "required": ["id", "at", "actor", "organization_id", "organization", "action", "subject", "details"],
                        "properties": [
                            "id": ["type": "integer"], "at": timestamp,
                            "actor": ["type": "string", "description": "The user, and the API token's name when a change came through one."],
                            "organization_id": ["type": ["integer", "null"]], "organization": nullableText, "action": ["type": "string"],
                            "subject": ["type": "string"], "details": ["type": "object"],
                        ]]],
                ],
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

    /// A decision's body for one action: the ids, and a reason for a denial.
    static func decision(_ action: String, reason: JSON? = nil) -> JSON {
        var properties: [(String, JSON)] = [
            ("action", ["type": "string", "const": .string(action)]),
            ("ids", ["type": "array", "minItems": 1, "maxItems": .int(MembershipDecisions.mostAtOnce), "items": [
                "type": "integer", "minimum": 1, "maximum": .int(RequestNumber.ids.upperBound)]]),
        ]
        if let reason { properties.append(("reason", reason)) }
        return ["type": "object", "title": .string(action), "additionalProperties": false,
                "required": strings(properties.map(\.0)), "properties": .object(properties)]
    }

    /// A connection's fields as sent, each with the form's rule; fields that go together (a discount with
    /// Discounted charging, domains with approval by email domain) are required together, both ways.
    static func connectionInput(required: [String], extra: [(String, JSON)]) -> JSON {
        let line = { (limit: Int, description: String) -> JSON in
            ["type": "string", "pattern": .string(StoredText.linePattern(upTo: limit)), "description": .string(description)]
        }
        return [
            "type": "object", "additionalProperties": false, "required": strings(required),
            "properties": .object(extra + [
                ("name", line(ConnectionDraft.longestName, """
                    Unique in its organization; one line of 1 to \(ConnectionDraft.longestName) characters (white space around it is trimmed).
                    """)),
                ("name_for_drivers", line(ConnectionDraft.longestNameForDrivers, """
                    The organization's name drivers see; one line of 1 to \(ConnectionDraft.longestNameForDrivers) characters.
                    """)),
                ("connection_type", ref("ConnectionType")), ("status", ref("ConnectionStatus")), ("visibility", ref("Visibility")),
                ("approval_type", ref("ApprovalType")),
                ("benefits", ["type": "array", "minItems": 1, "maxItems": .int(BenefitKind.allCases.count), "items": ref("Benefit")]),
                ("discount_percent", ["type": ["integer", "null"], "minimum": .int(ConnectionDraft.discountPercents.lowerBound),
                                      "maximum": .int(ConnectionDraft.discountPercents.upperBound), "description": "With Discounted charging."]),
                ("email_domains", ["type": "array", "maxItems": .int(ConnectionDraft.mostEmailDomains),
                                   "items": ["type": "string", "pattern": .string(ConnectionDraft.domainPattern),
                                             "maxLength": .int(ConnectionDraft.longestDomain)],
                                   "description": "With Automatically approve by email domain: one domain an item, like example.com."]),
                ("questions", ["type": "array", "maxItems": .int(ConnectionDraft.mostQuestions), "uniqueItems": true,
                               "items": ["type": "string", "description": "A question drivers answer when they ask to join: one line, no white space around it.",
                                         "pattern": .string(StoredText.linePattern(upTo: ConnectionDraft.longestQuestion, padded: false))],
                               "description": "Each question once (letter case aside)."]),
            ]),
            "allOf": [
                ["if": ["required": ["benefits"], "properties": ["benefits": ["contains": ["const": .string(BenefitKind.discountedCharging.rawValue)]]]],
                 "then": ["required": ["discount_percent"], "properties": ["discount_percent": ["type": "integer"]]]],
                ["if": ["required": ["approval_type"], "properties": ["approval_type": ["const": .string(ApprovalType.emailDomain.rawValue)]]],
                 "then": ["required": ["email_domains"], "properties": ["email_domains": ["minItems": 1]]]],
                // And the other way: domains and a discount only with what keeps them, in the same body.
                ["if": ["required": ["email_domains"], "properties": ["email_domains": ["minItems": 1]]],
                 "then": ["required": ["approval_type"], "properties": ["approval_type": ["const": .string(ApprovalType.emailDomain.rawValue)]]]],
                ["if": ["required": ["discount_percent"], "properties": ["discount_percent": ["type": "integer"]]],
                 "then": ["required": ["benefits"], "properties": ["benefits": ["contains": ["const": .string(BenefitKind.discountedCharging.rawValue)]]]]],
            ],
        ]
    }

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
