import Domain

/// POST /api/v1/webhooks: the organization, the receiver's URL, the events wanted, a description.
struct WebhookInput: JSONBody {
    var organizationID = 0
    var url = ""
    var events: [WebhookEventType] = []
    var description = ""

    static let schemaName = "WebhookInput"

    static var fields: [JSONField<WebhookInput>] {
        let missing = UserError.badRequest("Name the organization the webhook is for: “organization_id”.")
        return [
            .number("organization_id", in: RequestNumber.ids, ["type": "integer", "minimum": 1, "maximum": .int(RequestNumber.ids.upperBound)],
                    absence: .refused(missing)) { id, body in
                guard let id else { throw missing }
                body.organizationID = id
            },
            .text("url", ["type": "string", "minLength": 10, "maxLength": 2000, "description": """
                The receiver: https:// (http:// and private addresses only where the operator allows them).
                """], absence: .refused(UserError.badRequest("“url” is required."))) { $1.url = $0 },
            .texts("events", most: WebhookEventType.subscribable.count, ["type": "array", "minItems": 1, "uniqueItems": true,
                                                                         "items": OpenAPIDocument.ref("WebhookEventType")],
                   absence: .refused(UserError.badRequest("“events” is required: the event types to send."))) { names, body in
                body.events = try names.map { name in
                    guard let type = WebhookEventType(rawValue: name), type != .test else {
                        throw UserError.badRequest("“\(name.prefix(60))” is not an event type: \(WebhookEventType.subscribable.map(\.rawValue).joined(separator: ", ")).")
                    }
                    return type
                }
            },
            .text("description", ["type": "string", "maxLength": 200]) { $1.description = $0 },
        ]
    }
}

/// POST /api/v1/webhooks/{id}/resend: one delivery, or every failed one since a time.
struct WebhookResendBody: JSONBody {
    var deliveryID: Int?
    var failedSince: String?

    static let schemaName = "WebhookResend"

    static var fields: [JSONField<WebhookResendBody>] {
        [
            .number("delivery_id", in: RequestNumber.ids, ["type": "integer", "minimum": 1, "maximum": .int(RequestNumber.ids.upperBound)]) {
                $1.deliveryID = $0
            },
            .text("failed_since", OpenAPIDocument.timestamp) { text, body in
                guard DateText.parse(text) != nil else { throw UserError.badRequest("“failed_since” must be a time like 2026-12-01T00:00:00Z.") }
                body.failedSince = text
            },
        ]
    }

    static var rules: [JSON] { [["oneOf": [["required": ["delivery_id"]], ["required": ["failed_since"]]]]] }

    func check() throws {
        guard (deliveryID == nil) != (failedSince == nil) else {
            throw UserError.badRequest("Send either “delivery_id” or “failed_since”.")
        }
    }
}

/// A subscription, as the API shows it (never its secret).
enum WebhookAnswer: JSONAnswer {
    static let schemaName = "Webhook"

    static var members: [JSONMember<WebhookSubscription>] {
        [
            JSONMember(name: "id", schema: ["type": "integer"]) { .int($0.id) },
            JSONMember(name: "organization_id", schema: ["type": "integer"]) { .int($0.organizationID) },
            JSONMember(name: "url", schema: ["type": "string"]) { .string($0.url) },
            JSONMember(name: "description", schema: ["type": "string"]) { .string($0.description) },
            JSONMember(name: "events", schema: ["type": "array", "items": OpenAPIDocument.ref("WebhookEventType")]) { .array($0.events.map { .string($0.rawValue) }) },
            JSONMember(name: "enabled", schema: ["type": "boolean"]) { .bool($0.enabled) },
            JSONMember(name: "failing_since", schema: ["type": ["string", "null"], "format": "date-time"]) { $0.failingSince.map(JSON.string) ?? .null },
            JSONMember(name: "previous_secret_until", schema: ["type": ["string", "null"], "format": "date-time", "description": """
                While the secret before a rotation still signs (24 hours after it).
                """]) { $0.previousSecretUntil.map(JSON.string) ?? .null },
            JSONMember(name: "created_at", schema: OpenAPIDocument.timestamp) { .string($0.createdAt) },
        ]
    }
}

enum WebhookListAnswer: JSONAnswer {
    static let schemaName = "WebhookList"
    static var parts: [any JSONSchemaDescribed.Type] { [WebhookAnswer.self] }

    static var members: [JSONMember<[WebhookSubscription]>] {
        [JSONMember(name: "webhooks", schema: ["type": "array", "items": WebhookAnswer.schemaReference]) { .array($0.map(WebhookAnswer.encode)) }]
    }
}

/// A new subscription or a rotation: the secret, shown this once.
enum WebhookSecretAnswer: JSONAnswer {
    static let schemaName = "WebhookSecret"
    static var parts: [any JSONSchemaDescribed.Type] { [WebhookAnswer.self] }

    static var members: [JSONMember<(WebhookSubscription, String)>] {
        [
            JSONMember(name: "webhook", schema: WebhookAnswer.schemaReference) { WebhookAnswer.encode($0.0) },
            JSONMember(name: "secret", schema: ["type": "string", "pattern": "^whsec_[A-Za-z0-9+/=]+$", "description": """
                Signs every delivery (Standard Webhooks): keep it, it is not shown again.
                """]) { .string($0.1) },
        ]
    }
}

enum WebhookQueuedAnswer: JSONAnswer {
    static let schemaName = "WebhookQueued"

    static var members: [JSONMember<Int>] {
        [JSONMember(name: "queued", schema: ["type": "integer", "minimum": 0, "description": "Deliveries queued."]) { .int($0) }]
    }
}

/// The delivery log: newest first.
enum WebhookDeliveriesAnswer: JSONAnswer {
    static let schemaName = "WebhookDeliveries"

    static func optional(_ value: Int?) -> JSON { value.map(JSON.int) ?? .null }

    static var members: [JSONMember<[WebhookDeliveryRow]>] {
        let item: JSON = ["type": "object", "additionalProperties": false,
                          "required": ["id", "webhook_id", "type", "state", "attempts", "created_at", "finished_at", "response_code", "latency_ms",
                                       "response_body", "error", "payload"],
                          "properties": [
                            "id": ["type": "integer"], "webhook_id": ["type": "string", "description": "The `webhook-id` header: the same on every attempt."],
                            "type": ["type": "string"], "state": ["type": "string", "enum": .array(WebhookDeliveryState.allCases.map { .string($0.rawValue) })],
                            "attempts": ["type": "integer"], "created_at": OpenAPIDocument.timestamp,
                            "finished_at": ["type": ["string", "null"], "format": "date-time"], "response_code": ["type": ["integer", "null"]],
                            "latency_ms": ["type": ["integer", "null"]],
                            "response_body": ["type": ["string", "null"], "description": "The first 1 KB of the receiver's last answer."],
                            "error": ["type": ["string", "null"], "description": "Why the last attempt got no answer."],
                            "payload": ["type": "object", "description": "The body sent."],
                          ]]
        return [JSONMember(name: "deliveries", schema: ["type": "array", "items": item]) { rows in
            .array(rows.map { row in
                .object([("id", .int(row.id)), ("webhook_id", .string(row.messageID)), ("type", .string(row.eventType)), ("state", .string(row.state.rawValue)),
                         ("attempts", .int(row.attempts)), ("created_at", .string(row.createdAt)), ("finished_at", row.finishedAt.map(JSON.string) ?? .null),
                         ("response_code", optional(row.responseCode)), ("latency_ms", optional(row.latencyMilliseconds)),
                         ("response_body", row.responseBody.map(JSON.string) ?? .null), ("error", row.lastError.map(JSON.string) ?? .null),
                         ("payload", (try? JSON.parse(Array(row.body.utf8))) ?? .object([]))])
            })
        }]
    }
}
