import Domain

/// One connection as the API writes it: the fields its form edits and its row of the table.
struct ConnectionView {
    let id: Int
    let organization: Int
    let draft: ConnectionDraft
    /// The table's row, every column the caller may see (`APIConnections.row`).
    let row: JSON
}

enum ConnectionAnswer: JSONAnswer {
    static let schemaName = "Connection"

    static var members: [JSONMember<ConnectionView>] {
        let ref = OpenAPIDocument.ref
        return [
            JSONMember(name: "id", schema: ["type": "integer"]) { .int($0.id) },
            JSONMember(name: ConnectionField.organization.rawValue, schema: ["type": "integer"]) { .int($0.organization) },
            JSONMember(name: ConnectionField.version.rawValue, schema: ["type": "integer", "minimum": 1, "description": "Send it back with a change."]) {
                .int(RequestNumber.parse($0.draft.version, in: RequestNumber.ids) ?? 1)
            },
            JSONMember(name: ConnectionField.name.rawValue, schema: ["type": "string"]) { .string($0.draft.name) },
            JSONMember(name: ConnectionField.nameForDrivers.rawValue, schema: ["type": "string"]) { .string($0.draft.nameForDrivers) },
            JSONMember(name: ConnectionField.type.rawValue, schema: ref("ConnectionType")) { .string($0.draft.type) },
            JSONMember(name: ConnectionField.status.rawValue, schema: ref("ConnectionStatus")) { .string($0.draft.status) },
            JSONMember(name: ConnectionField.visibility.rawValue, schema: ref("Visibility")) { .string($0.draft.visibility) },
            JSONMember(name: ConnectionField.approval.rawValue, schema: ref("ApprovalType")) { .string($0.draft.approval) },
            JSONMember(name: ConnectionField.benefits.rawValue, schema: ["type": "array", "items": ref("Benefit")]) { .array($0.draft.benefits.map(JSON.string)) },
            JSONMember(name: ConnectionField.discount.rawValue, schema: ["type": ["integer", "null"], "minimum": .int(ConnectionDraft.discountPercents.lowerBound),
                                                          "maximum": .int(ConnectionDraft.discountPercents.upperBound)]) {
                RequestNumber.parse($0.draft.discountPercent, in: ConnectionDraft.discountPercents).map(JSON.int) ?? .null
            },
            JSONMember(name: ConnectionField.domains.rawValue, schema: ["type": "array", "items": ["type": "string"]]) {
                .array($0.draft.emailDomains.split(separator: "\n").map { .string(String($0)) })
            },
            JSONMember(name: ConnectionField.questions.rawValue, schema: ["type": "array", "items": ["type": "string"]]) { .array($0.draft.questions.map(JSON.string)) },
            JSONMember(name: "row", schema: ref("ConnectionRow")) { $0.row },
        ]
    }
}

/// A connection's invite after a rotation: the link and the search code drivers use now.
enum InviteAnswer: JSONAnswer {
    static let schemaName = "Invite"

    static var members: [JSONMember<(id: Int, link: String, code: String)>] {
        [
            JSONMember(name: "id", schema: ["type": "integer"]) { .int($0.id) },
            JSONMember(name: "invite_link", schema: ["type": "string"]) { .string($0.link) },
            JSONMember(name: "search_code", schema: ["type": "string"]) { .string($0.code) },
        ]
    }
}
