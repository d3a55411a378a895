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

    static let listViews = APIOperation(id: "listViews", summary: """
        The saved views the caller may open: their own and those shared with their organizations. Give one's id as `view` to \
        the list or an export of connections to apply it.
        """, answers: [.json(200, "The views.", ViewListAnswer.self)])
    static let setMembershipExpiry = APIOperation(id: "setMembershipExpiry", summary: """
        Sets (or clears) the day connected drivers' memberships end: all or none. Needs: decide on requests in each membership's organization.
        """, body: ExpiryBody.self, answers: [.json(200, "How many changed.", [
            "type": "object", "additionalProperties": false, "required": ["changed"], "properties": ["changed": ["type": "integer", "minimum": 0]]])],
        errors: manageErrors)

    static let listAudit = APIOperation(id: "listAudit", summary: "The audit log, newest first, \(AuditPage.pageSize) entries a page. Needs: read the audit log.",
                                        query: [.auditOrganization, .page], answers: [.json(200, "A page of the log.", AuditLogAnswer.self)])

    static let readOverview = APIOperation(id: "readOverview", summary: "The overview's figures (the charts of /overview) for the caller's organizations, or one (`org`).",
                                           query: [.organization], answers: [.json(200, "The figures.", OverviewAnswer.self)])
    // Webhooks: an Admin's subscriptions (`APIWebhooks`).
    static let listWebhooks = APIOperation(id: "listWebhooks", summary: "The webhooks of the organizations where the caller is an Admin.",
                                           answers: [.json(200, "The webhooks.", WebhookListAnswer.self)])

    static let createWebhook = APIOperation(id: "createWebhook", summary: """
        Subscribes an URL to events of `organization_id`. The answer holds the signing secret, shown this once. Deliveries follow \
        Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`); their bodies are in this document's `webhooks`. \
        Needs: Admin.
        """, body: WebhookInput.self, answers: [.json(201, "The webhook and its secret.", WebhookSecretAnswer.self, headers: [
            "Location": ["required": true, "schema": ["type": "string"], "description": "The webhook's address."]])], errors: manageErrors)

    static let getWebhook = APIOperation(id: "getWebhook", summary: "One webhook. Needs: Admin.", answers: [.json(200, "The webhook.", WebhookAnswer.self)])

    static let listWebhookDeliveries = APIOperation(id: "listWebhookDeliveries", summary: """
        The webhook's last 100 deliveries, newest first: state, attempts, latency, the receiver's status and first 1 KB. Needs: Admin.
        """, answers: [.json(200, "The delivery log.", WebhookDeliveriesAnswer.self)])

    static let enableWebhook = APIOperation(id: "enableWebhook", summary: "Deliveries go again (queued ones first). Needs: Admin.",
                                            answers: [.json(200, "The webhook.", WebhookAnswer.self)], errors: manageErrors)

    static let pauseWebhook = APIOperation(id: "pauseWebhook", summary: """
        No deliveries are made for events meanwhile; those queued wait. Needs: Admin.
        """, answers: [.json(200, "The webhook.", WebhookAnswer.self)], errors: manageErrors)

    static let rotateWebhookSecret = APIOperation(id: "rotateWebhookSecret", summary: """
        A new secret; the old one keeps signing beside it for 24 hours (two signatures in `webhook-signature`). Needs: Admin.
        """, answers: [.json(200, "The webhook and its new secret.", WebhookSecretAnswer.self)], errors: manageErrors)

    static let testWebhook = APIOperation(id: "testWebhook", summary: "Queues a `webhook.test` delivery. Needs: Admin.",
                                          answers: [.json(202, "Queued.", WebhookQueuedAnswer.self)], errors: manageErrors)

    static let resendWebhook = APIOperation(id: "resendWebhook", summary: """
        Sends one finished delivery again (`delivery_id`), or every failed one made since `failed_since`, with the same \
        `webhook-id`. Needs: Admin.
        """, body: WebhookResendBody.self, answers: [.json(202, "Queued.", WebhookQueuedAnswer.self)], errors: manageErrors)

    static let deleteWebhook = APIOperation(id: "deleteWebhook", summary: "Deletes the webhook and its delivery log. Needs: Admin.",
                                            answers: [APIAnswer(status: 204, document: ["description": "Deleted."])], errors: manageErrors)
    static let importMemberships = APIOperation(id: "importMemberships", summary: """
        Imports the connection's roster from a file (the body: CSV as spreadsheets write it, or XLSX) with a header row naming \
        its columns (Email, Name, the connection's questions; the roster export's others are read-only). With `dry_run=true` \
        the answer is the plan and nothing changes; otherwise the plan is applied whole, in one transaction, or not at all \
        (invalid rows: 400). `plan` pins a dry run's plan. Needs: invite drivers (and decide on requests, to connect or remove).
        """, query: APIParameter.rosterImport, fileBody: true, answers: [.json(200, "The plan, applied unless a dry run.", RosterPlanAnswer.schema)],
        errors: manageErrors)

    static let importConnections = APIOperation(id: "importConnections", summary: """
        Imports the connections table's export (all columns, or some), edited, as the body (CSV or XLSX): each row is matched \
        by Org ID and Connection Name; a new one is created, a changed one updated (Connection Status, Connection Type, Approval \
        type, Visibility, Benefits, Verify drivers by); other columns are read-only (an edit there is an invalid row). With \
        `dry_run=true` the answer is the plan; otherwise all of it is applied in one transaction, or none (invalid rows: 400). \
        Needs: manage connections in each row's organization.
        """, query: [.dryRun, .importPlan, .fileName, .sheet], fileBody: true,
        answers: [.json(200, "The plan, applied unless a dry run.", APIConnectionImport.schema)], errors: manageErrors)
}
