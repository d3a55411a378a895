import Domain

/// A driver's membership as the API writes it.
enum MembershipAnswer: JSONAnswer {
    static let schemaName = "Membership"

    static var members: [JSONMember<MembershipRow>] {
        [
            JSONMember(name: "id", schema: ["type": "integer"]) { .int($0.id) },
            JSONMember(name: "connection_id", schema: ["type": "integer"]) { .int($0.connectionID) },
            JSONMember(name: "connection_name", schema: ["type": "string"]) { .string($0.connectionName) },
            JSONMember(name: "organization_id", schema: ["type": "integer"]) { .int($0.organizationID) },
            JSONMember(name: "driver_name", schema: ["type": "string"]) { .string($0.driverName) },
            JSONMember(name: "email", schema: ["type": "string"]) { .string($0.email) },
            JSONMember(name: "state", schema: OpenAPIDocument.ref("MembershipState")) { .string($0.state.rawValue) },
            JSONMember(name: "requested_at", schema: OpenAPIDocument.timestamp) { .string($0.requestedAt) },
            JSONMember(name: "email_domain_matches", schema: ["type": "boolean", "description": """
                The connection approves by email domain and this email's domain is on its list: not an approval, since nobody \
                has shown they read the address.
                """]) { .bool($0.emailDomainMatches) },
            JSONMember(name: "expires_at", schema: ["type": ["string", "null"], "format": "date-time", "description": """
                When the membership ends (the connection's membership length from its approval, or a host's date); null: never.
                """]) { $0.expiresAt.map(JSON.string) ?? .null },
            JSONMember(name: "answers", schema: ["type": "array", "items": [
                "type": "object", "additionalProperties": false, "required": ["prompt", "answer"],
                "properties": ["prompt": ["type": "string"], "answer": ["type": "string"]]]]) { row in
                .array(row.answers.map { .object([("prompt", .string($0.prompt)), ("answer", .string($0.answer))]) })
            },
        ]
    }
}

/// A page of memberships in one state, with the way to the next.
struct MembershipPage {
    let state: MembershipState
    let total: Int
    let memberships: ArraySlice<MembershipRow>
    let nextCursor: String?
    let next: String?
}

enum MembershipListAnswer: JSONAnswer {
    static let schemaName = "MembershipList"
    static var parts: [any JSONSchemaDescribed.Type] { [MembershipAnswer.self] }

    static var members: [JSONMember<MembershipPage>] {
        [
            JSONMember(name: "state", schema: OpenAPIDocument.ref("MembershipState")) { .string($0.state.rawValue) },
            JSONMember(name: "total", schema: ["type": "integer", "minimum": 0]) { .int($0.total) },
            JSONMember(name: "memberships", schema: ["type": "array", "items": MembershipAnswer.schemaReference]) {
                .array($0.memberships.map(MembershipAnswer.encode))
            },
            JSONMember(name: "next_cursor", schema: ["type": ["string", "null"]]) { $0.nextCursor.map(JSON.string) ?? .null },
            JSONMember(name: "next", schema: OpenAPIDocument.nextPage) { $0.next.map(JSON.string) ?? .null },
        ]
    }
}
