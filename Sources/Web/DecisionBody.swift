import Domain

/// POST /api/v1/memberships/decide: `{"action": "approve"|"deny"|"remove", "ids": [...], "reason": "..."}`.
struct DecisionBody: JSONBody {
    var ids: [Int] = []
    var action = ""
    var reason: String?

    static let schemaName = "Decision"
    static let actions = ["approve", "remove", "deny"]

    static var fields: [JSONField<DecisionBody>] {
        let notIDs = UserError.badRequest("“ids” must be a list of membership ids.")
        return [
            JSONField(name: "ids", schema: ["type": "array", "minItems": 1, "maxItems": .int(MembershipDecisions.mostAtOnce),
                                            "items": APIParameter.ids],
                      absence: .refused(notIDs)) { member, body in
                guard case .array(let items) = member else { throw notIDs }
                guard items.count <= MembershipDecisions.mostAtOnce else {
                    throw UserError.badRequest("Decide on at most \(MembershipDecisions.mostAtOnce) drivers at once.")
                }
                body.ids = try items.map { item in
                    guard case .number(let text) = item, let id = RequestNumber.parse(jsonNumber: text, in: RequestNumber.ids) else { throw notIDs }
                    return id
                }
            },
            .text("action", ["type": "string", "enum": .array(actions.map(JSON.string))],
                  absence: .refused(UserError.badRequest("“action” is required."))) { action, body in
                guard actions.contains(action) else { throw UserError.badRequest("The action must be approve, deny or remove.") }
                body.action = action
            },
            .text("reason", ["type": "string", "pattern": .string(StoredText.linePattern(upTo: MembershipDecisions.longestReason, lineBreaks: true)),
                             "description": .string("The driver sees it: up to \(MembershipDecisions.longestReason) characters, line breaks allowed.")]) {
                $1.reason = $0
            },
        ]
    }

    /// One schema an action, from the fields' own: a denial needs a reason the driver sees; the others take none.
    static var schema: JSON {
        let declared = fields
        func schema(_ name: String) -> JSON { declared.first { $0.name == name }?.schema ?? .null }
        return ["description": "One schema an action: a denial needs a reason the driver sees; the others take none.",
                "oneOf": .array(actions.map { action in
                    let names = action == "deny" ? ["action", "ids", "reason"] : ["action", "ids"]
                    let properties = names.map { name in (name, name == "action" ? ["type": "string", "const": .string(action)] : schema(name)) }
                    return ["type": "object", "title": .string(action), "additionalProperties": false,
                            "required": .array(names.map(JSON.string)), "properties": .object(properties)]
                })]
    }

    func check() throws {
        if action != "deny", reason != nil { throw UserError.badRequest("Only a denial takes a reason.") }
    }

    var decision: Decision {
        switch action {
        case "approve": return .approve
        case "deny": return .deny(reason: reason ?? "")
        default: return .remove
        }
    }
}

/// POST /api/v1/connections/{id}/rotate: which of the invite's secrets to replace.
struct RotationBody: JSONBody {
    var credential = InviteCredential.link

    static let schemaName = "Rotation"

    static var fields: [JSONField<RotationBody>] {
        [.text("what", ["type": "string", "enum": ["link", "code"]], absence: .refused(UserError.badRequest("“what” is required."))) { what, body in
            guard let credential = InviteCredential(rawValue: what) else { throw UserError.badRequest("Rotate the “link” or the “code”.") }
            body.credential = credential
        }]
    }
}
