import Storage

/// A webhook's body, as Standard Webhooks shapes it: `type`, `timestamp` (when the change was
/// committed), `version` (of the payloads) and `data`, with the ids and what a receiver needs to act
/// without another call, read inside the event's transaction. Its schema, per type, is
/// `WebhookPayload.fields` (the OpenAPI document's `webhooks` are made from it).
public struct WebhookPayload {
    let database: Database

    /// A field of a type's `data`: its name, JSON type and whether every payload carries it.
    public struct Field: Sendable {
        public let name: String
        public let type: String
        public let required: Bool
        public let summary: String
    }

    /// The fields of each type's `data`.
    public static func fields(of type: WebhookEventType) -> [Field] {
        let organization = Field(name: "organization_id", type: "integer", required: true, summary: "The organization it happened in.")
        let membership = [
            organization,
            Field(name: "membership_id", type: "integer", required: true, summary: "The driver's request or membership."),
            Field(name: "connection_id", type: "integer", required: true, summary: "The connection."),
            Field(name: "connection_name", type: "string", required: true, summary: "The connection's name."),
            Field(name: "driver_email", type: "string", required: true, summary: "The driver's email address."),
            Field(name: "driver_name", type: "string", required: false, summary: "The name the driver gave."),
            Field(name: "state", type: "string", required: true, summary: "Pending, Connected, Denied or Removed (after the change)."),
            Field(name: "requested_at", type: "string", required: true, summary: "When the driver asked (ISO 8601, UTC)."),
            Field(name: "decided_at", type: "string", required: false, summary: "When a host decided."),
            Field(name: "reason", type: "string", required: false, summary: "A denial's reason, as the driver reads it."),
            Field(name: "again", type: "boolean", required: false, summary: "A new request after a denial."),
        ]
        let connection = [
            organization,
            Field(name: "connection_id", type: "integer", required: true, summary: "The connection."),
            Field(name: "name", type: "string", required: true, summary: "The connection's name."),
            Field(name: "status", type: "string", required: true, summary: "Enabled or Disabled."),
            Field(name: "connection_type", type: "string", required: true, summary: "The connection's type."),
            Field(name: "visibility", type: "string", required: true, summary: "Public or Private."),
            Field(name: "approval_type", type: "string", required: true, summary: "How requests are approved."),
            Field(name: "search_code", type: "string", required: true, summary: "The code drivers search for."),
            Field(name: "changed", type: "array", required: false, summary: "The fields that changed (connection.updated)."),
        ]
        switch type {
        case .membershipRequested, .membershipApproved, .membershipDenied, .membershipRemoved, .membershipExpired: return membership
        case .connectionCreated, .connectionUpdated, .connectionEnabled, .connectionDisabled, .connectionRotated: return connection
        case .importCompleted:
            return [organization, Field(name: "import_id", type: "integer", required: false, summary: "The import."),
                    Field(name: "counts", type: "object", required: false, summary: "What the import did, by outcome.")]
        case .test:
            return [organization, Field(name: "subscription_id", type: "integer", required: true, summary: "The subscription tested."),
                    Field(name: "message", type: "string", required: true, summary: "A greeting.")]
        }
    }

    /// The whole body of a recorded event.
    func body(_ type: WebhookEventType, of recorded: RecordedEvent) throws -> String {
        let event = recorded.event
        var data: [(String, JSON)] = [("organization_id", .int(event.organizationID))]
        if type.isMembership, let id = event.membershipID {
            data += try membership(id)
            if event.kind == .driverAskedAgain { data.append(("again", .bool(true))) }
        } else if let id = event.connectionID, type.rawValue.hasPrefix("connection.") {
            data += try connection(id)
            if let changed = event.payload["changed"] { data.append(("changed", changed)) }
        } else {
            // Events whose commands carry their own fields (import.completed): the ids and the payload.
            if let id = event.connectionID { data.append(("connection_id", .int(id))) }
            if let id = event.membershipID { data.append(("membership_id", .int(id))) }
            data += event.payload.members ?? []
        }
        return Self.envelope(type, timestamp: recorded.occurredAt, data: data)
    }

    static func envelope(_ type: WebhookEventType, timestamp: String, data: [(String, JSON)]) -> String {
        JSON.object([("type", .string(type.rawValue)), ("timestamp", .string(timestamp)), ("version", .int(WebhookEventType.payloadVersion)),
                     ("data", .object(data))]).text
    }

    private func membership(_ id: Int) throws -> [(String, JSON)] {
        try database.query("""
            SELECT m.id, c.id, c.name, d.email, m.driver_name, m.state, m.requested_at, m.decided_at, m.denial_reason
            FROM memberships m JOIN connections c ON c.id = m.connection_id JOIN drivers d ON d.id = m.driver_id WHERE m.id = \(p: 1)
            """, [.init(id)]) { row in
            var fields: [(String, JSON)] = [("membership_id", .int(row.int(0))), ("connection_id", .int(row.int(1))),
                                            ("connection_name", .string(row.text(2))), ("driver_email", .string(row.text(3)))]
            if let name = row.optionalText(4), !name.isEmpty { fields.append(("driver_name", .string(name))) }
            fields += [("state", .string(row.text(5))), ("requested_at", .string(row.text(6)))]
            if let decided = row.optionalText(7) { fields.append(("decided_at", .string(decided))) }
            if let reason = row.optionalText(8), row.text(5) == "Denied" { fields.append(("reason", .string(reason))) }
            return fields
        }.first ?? [("membership_id", .int(id))]
    }

    private func connection(_ id: Int) throws -> [(String, JSON)] {
        try database.query("""
            SELECT id, name, status, connection_type, visibility, approval_type, search_code FROM connections WHERE id = \(p: 1)
            """, [.init(id)]) { row -> [(String, JSON)] in
            [("connection_id", .int(row.int(0))), ("name", .string(row.text(1))), ("status", .string(row.text(2))),
             ("connection_type", .string(row.text(3))), ("visibility", .string(row.text(4))), ("approval_type", .string(row.text(5))),
             ("search_code", .string(row.text(6)))]
        }.first ?? [("connection_id", .int(id))]
    }
}
