import Domain

/// A page of the audit log as the API writes it.
enum AuditLogAnswer: JSONAnswer {
    static let schemaName = "AuditLog"

    static var members: [JSONMember<(entries: [AuditLog.Entry], total: Int, page: Int, pageCount: Int, organizations: [Int])>] {
        [
            JSONMember(name: "total", schema: ["type": "integer"]) { .int($0.total) },
            JSONMember(name: "page", schema: ["type": "integer"]) { .int($0.page) },
            JSONMember(name: "page_count", schema: ["type": "integer"]) { .int($0.pageCount) },
            JSONMember(name: "entries", schema: ["type": "array", "items": AuditEntryAnswer.schema]) { .array($0.entries.map(AuditEntryAnswer.encode)) },
        ]
    }
}

/// One entry of the log (written inside `AuditLog`, not a component of its own).
enum AuditEntryAnswer: JSONAnswer {
    static let schemaName = "AuditEntry"

    static var members: [JSONMember<AuditLog.Entry>] {
        let nullableText: JSON = ["type": ["string", "null"]]
        return [
            JSONMember(name: "id", schema: ["type": "integer"]) { .int($0.id) },
            JSONMember(name: "at", schema: OpenAPIDocument.timestamp) { .string($0.at) },
            JSONMember(name: "actor", schema: ["type": "string", "description": "The user, and the API token's name when a change came through one."]) {
                .string($0.actor)
            },
            JSONMember(name: "organization_id", schema: ["type": ["integer", "null"]]) { $0.organizationID.map(JSON.int) ?? .null },
            JSONMember(name: "organization", schema: nullableText) { $0.organization.map(JSON.string) ?? .null },
            JSONMember(name: "action", schema: ["type": "string"]) { .string($0.action) },
            JSONMember(name: "subject", schema: ["type": "string"]) { .string($0.subject) },
            // Stored as a JSON object of texts; a hand-edited row reads as an empty object.
            JSONMember(name: "details", schema: ["type": "object"]) { (try? JSON.parse(Array($0.details.utf8))) ?? .object([]) },
        ]
    }
}
