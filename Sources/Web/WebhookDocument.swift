import Domain

/// The OpenAPI document's `webhooks` (OpenAPI 3.1): one POST per event type, its body's schema made
/// from `WebhookPayload.fields`, the same declaration the bodies are written from, and the Standard
/// Webhooks headers each delivery carries.
enum WebhookDocument {
    static func schemaName(_ type: WebhookEventType) -> String {
        "Webhook" + type.rawValue.split(whereSeparator: { $0 == "." || $0 == "_" }).map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    static func schema(_ type: WebhookEventType) -> JSON {
        let fields = WebhookPayload.fields(of: type)
        let data: JSON = ["type": "object", "required": .array(fields.filter(\.required).map { .string($0.name) }),
                          "properties": .object(fields.map { field in
                              var schema: [(String, JSON)] = [("type", .string(field.type)), ("description", .string(field.summary))]
                              if field.type == "array" { schema.append(("items", ["type": "string"])) }
                              if field.name.hasSuffix("_at") { schema.append(("format", "date-time")) }
                              return (field.name, .object(schema))
                          })]
        return ["type": "object", "description": .string(type.summary), "required": ["type", "timestamp", "version", "data"],
                "properties": ["type": ["type": "string", "const": .string(type.rawValue)], "timestamp": OpenAPIDocument.timestamp,
                               "version": ["type": "integer", "const": .int(WebhookEventType.payloadVersion),
                                           "description": "The payloads' version: raised only when a field changes meaning or goes."],
                               "data": data]]
    }

    static var payloadSchemas: [(String, JSON)] { WebhookEventType.allCases.map { (schemaName($0), schema($0)) } }

    static let headers: [JSON] = [
        ["name": "webhook-id", "in": "header", "required": true, "schema": ["type": "string"],
         "description": "The delivery's id, the same on every attempt and resend: drop a repeat by it."],
        ["name": "webhook-timestamp", "in": "header", "required": true, "schema": ["type": "integer"],
         "description": "Seconds since 1970 when this attempt was signed: refuse old ones (Standard Webhooks: 5 minutes)."],
        ["name": "webhook-signature", "in": "header", "required": true, "schema": ["type": "string"],
         "description": "`v1,` + base64 HMAC-SHA256 of `id.timestamp.body` with the secret's key; two, space separated, for 24 hours after a rotation."],
    ]

    static var webhooks: JSON {
        .object(WebhookEventType.allCases.map { type in
            (type.rawValue, ["post": [
                "operationId": .string("webhook" + schemaName(type).dropFirst("Webhook".count)), "summary": .string(type.summary),
                "parameters": .array(headers),
                "requestBody": ["required": true, "content": ["application/json": ["schema": OpenAPIDocument.ref(schemaName(type))]]],
                "responses": [
                    "2XX": ["description": "Received: any 2xx ends the delivery."],
                    "429": ["description": "Tried again later (after Retry-After seconds, if longer than the schedule's wait)."],
                    "5XX": ["description": "Tried again: after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h, then failed."],
                ],
            ]])
        })
    }
}
