import Domain

/// Each API route's operation, named in the route table (`ConsoleHandler.routes`).
extension APIOperation {
    static let ref = OpenAPIDocument.ref
    static let manageErrors = [400, 401, 403, 404, 409, 413, 429, 503]

    static let openAPI = APIOperation(id: "openapi", summary: "This description.", answers: [APIAnswer(status: 200, document: [
        "description": "The OpenAPI document.", "content": ["application/json": ["schema": ["type": "object"]]]])], errors: [])

    static let listConnections = APIOperation(id: "listConnections", summary: """
        The connections table: the same filters (`filter=column:condition:value` once per filter; `match`), sort, columns \
        and paging as /connections, with the total count. Continue with `cursor` (from `next_cursor`): rows added or removed meanwhile \
        shift nothing, so each row comes at most once.
        """, query: APIParameter.table + [.cursor], answers: [.json(200, "The page of rows.", ConnectionListAnswer.self)])

    static let createConnection = APIOperation(id: "createConnection", summary: """
        Creates a connection in `organization_id`, with the form's checks. A name the organization already has is a 409. \
        Needs: manage connections.
        """, body: ConnectionInput.self, answers: [.json(201, "The connection made.", ConnectionAnswer.self, headers: [
            "Location": ["required": true, "schema": ["type": "string"], "description": "The connection's address."]])], errors: manageErrors)

    static let exportCSV = APIOperation(id: "exportConnectionsCSV", summary: """
        Every row the table's words select, in its sort, as CSV (RFC 4180), streamed; the same limits and audit as the page's \
        exports. A failure part way ends the file with an `EXPORT INCOMPLETE` line.
        """, query: APIParameter.table + [.byteOrderMark],
        answers: [APIAnswer(status: 200, document: ["description": "The CSV file.", "content": ["text/csv": ["schema": ["type": "string"]]]])])

    /// An NDJSON export: one row a line. Also described as a byte stream, the media type client generators know,
    /// so that they keep the operation (a generator that knows NDJSON reads the first).
    static let exportNDJSON = APIOperation(id: "exportConnectionsNDJSON", summary: """
        The same rows as NDJSON: one object per line, as the list's rows. A failure part way ends the stream with a line \
        `{"incomplete": true, …}`.
        """, query: APIParameter.table, answers: [APIAnswer(status: 200, document: [
            "description": "One JSON object per line.", "content": [
                "application/x-ndjson": ["schema": ["type": "string", "contentMediaType": "application/x-ndjson", "description": """
                    One JSON object a line, each a `ConnectionRow`; a stream cut short ends with `{"incomplete": true, …}`.
                    """]],
                "application/octet-stream": ["schema": ["type": "string", "format": "binary", "description": "The same stream, as bytes."]],
            ]])])

    static let getConnection = APIOperation(id: "getConnection", summary: "One connection: its form's fields and its table row.",
                                            answers: [.json(200, "The connection.", ConnectionAnswer.self)])

    static let updateConnection = APIOperation(id: "updateConnection", summary: """
        Changes the fields given, with the form's checks. `version` is the version the change was made against: if someone \
        saved since, nothing is overwritten and the answer (409) lists what differs and the connection as it is now. \
        Needs: manage connections.
        """, body: ConnectionChanges.self, answers: [.json(200, "The connection as saved.", ConnectionAnswer.self)], errors: manageErrors)

    static let enableConnection = APIOperation(id: "enableConnection", summary: "Drivers can find and join it again. Needs: manage connections.",
                                               answers: [.json(200, "The connection.", ConnectionAnswer.self)])

    static let disableConnection = APIOperation(id: "disableConnection", summary: """
        Drivers can no longer find or join it; those connected stay. Needs: manage connections.
        """, answers: [.json(200, "The connection.", ConnectionAnswer.self)])

    static let rotateInvite = APIOperation(id: "rotateInvite", summary: """
        A new invite link (`link`) or search code (`code`); the old one stops working at once. Needs: rotate codes.
        """, body: RotationBody.self, answers: [.json(200, "The new invite.", InviteAnswer.self)], errors: bodyErrors)

    static let listConnectionMemberships = APIOperation(id: "listConnectionMemberships", summary: """
        The connection's drivers in one state (Pending: requests waiting), oldest first.
        """, query: APIParameter.memberships, answers: [.json(200, "A page of memberships.", MembershipListAnswer.self)])

    static let listMemberships = APIOperation(id: "listMemberships", summary: """
        Drivers in one state across every connection the caller may see, oldest first.
        """, query: APIParameter.memberships, answers: [.json(200, "A page of memberships.", MembershipListAnswer.self)])

    static let decideMemberships = APIOperation(id: "decideMemberships", summary: """
        Approves or denies (with a reason the driver sees) pending requests, or removes connected drivers: all or none. \
        Needs: decide on requests in each membership's organization.
        """, body: DecisionBody.self, answers: [.json(200, "How many changed.", [
            "type": "object", "additionalProperties": false, "required": ["changed"], "properties": ["changed": ["type": "integer", "minimum": 0]]])],
        errors: manageErrors)

    static let setMembershipExpiry = APIOperation(id: "setMembershipExpiry", summary: """
        Sets (or clears) the day connected drivers' memberships end: all or none. Needs: decide on requests in each membership's organization.
        """, body: ExpiryBody.self, answers: [.json(200, "How many changed.", [
            "type": "object", "additionalProperties": false, "required": ["changed"], "properties": ["changed": ["type": "integer", "minimum": 0]]])],
        errors: manageErrors)

    static let listAudit = APIOperation(id: "listAudit", summary: "The audit log, newest first, \(AuditPage.pageSize) entries a page. Needs: read the audit log.",
                                        query: [.auditOrganization, .page], answers: [.json(200, "A page of the log.", AuditLogAnswer.self)])
}
