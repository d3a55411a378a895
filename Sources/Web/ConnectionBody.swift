import Domain
import Foundation

/// A connection's fields as the API sends them, each declared once with the form's rule: what the
/// document shows (`ConnectionInput`, `ConnectionChanges`) and what `APIConnections` decodes.
struct ConnectionFields {
    var name, nameForDrivers, type, status, visibility, approval: String?
    var benefits: [String]?
    /// `.some(nil)`: null, no discount.
    var discountPercent: Int??
    var emailDomains: [String]?
    var questions: [String]?

    /// Each field; `creating` makes those a new connection needs required in the document (the form's checks say so when
    /// they are missing).
    static func fields(creating: Bool) -> [JSONField<ConnectionFields>] {
        let needed: JSONField<ConnectionFields>.Absence = creating ? .checkedLater : .allowed
        let line = { (limit: Int, description: String) -> JSON in
            ["type": "string", "pattern": .string(StoredText.linePattern(upTo: limit)), "description": .string(description)]
        }
        return [
            .text(ConnectionField.name.rawValue, line(ConnectionDraft.longestName, """
                Unique in its organization; one line of 1 to \(ConnectionDraft.longestName) characters (white space around it is trimmed).
                """), absence: needed) { $1.name = $0 },
            .text(ConnectionField.nameForDrivers.rawValue, line(ConnectionDraft.longestNameForDrivers, """
                The organization's name drivers see; one line of 1 to \(ConnectionDraft.longestNameForDrivers) characters.
                """), absence: needed) { $1.nameForDrivers = $0 },
            .text(ConnectionField.type.rawValue, OpenAPIDocument.ref("ConnectionType")) { $1.type = $0 },
            .text(ConnectionField.status.rawValue, OpenAPIDocument.ref("ConnectionStatus")) { $1.status = $0 },
            .text(ConnectionField.visibility.rawValue, OpenAPIDocument.ref("Visibility")) { $1.visibility = $0 },
            .text(ConnectionField.approval.rawValue, OpenAPIDocument.ref("ApprovalType")) { $1.approval = $0 },
            .texts(ConnectionField.benefits.rawValue, most: BenefitKind.allCases.count,
                   ["type": "array", "minItems": 1, "maxItems": .int(BenefitKind.allCases.count), "items": OpenAPIDocument.ref("Benefit")],
                   absence: needed) { $1.benefits = $0 },
            .number(ConnectionField.discount.rawValue, in: ConnectionDraft.discountPercents,
                    ["type": ["integer", "null"], "minimum": .int(ConnectionDraft.discountPercents.lowerBound),
                     "maximum": .int(ConnectionDraft.discountPercents.upperBound), "description": "With Discounted charging."]) {
                $1.discountPercent = .some($0)
            },
            // One domain or question an item, as the patterns say (the form's text box takes lists and blank lines).
            .texts(ConnectionField.domains.rawValue, most: ConnectionDraft.mostEmailDomains,
                   ["type": "array", "maxItems": .int(ConnectionDraft.mostEmailDomains),
                    "items": ["type": "string", "pattern": .string(ConnectionDraft.domainPattern), "maxLength": .int(ConnectionDraft.longestDomain)],
                    "description": "With Automatically approve by email domain: one domain an item, like example.com."]) { domains, fields in
                if let bad = domains.first(where: { !ConnectionDraft.isDomain($0) }) {
                    throw APIProblem(error: .badRequest("“\(bad.prefix(80))” is not a domain like example.com: send one domain an item."),
                                     extensions: [("errors", .object([("email_domains", .string("One domain like example.com an item."))]))])
                }
                fields.emailDomains = domains
            },
            .texts(ConnectionField.questions.rawValue, most: ConnectionDraft.mostQuestions,
                   ["type": "array", "maxItems": .int(ConnectionDraft.mostQuestions), "uniqueItems": true,
                    "items": ["type": "string", "description": "A question drivers answer when they ask to join: one line, no white space around it.",
                              "pattern": .string(StoredText.linePattern(upTo: ConnectionDraft.longestQuestion, padded: false))],
                    "description": "Each question once (letter case aside)."]) { questions, fields in
                // Without white space around it, so that the document's uniqueItems sees the duplicates the form refuses.
                if questions.contains(where: { $0.isEmpty || $0 != $0.trimmingCharacters(in: .whitespacesAndNewlines) }) {
                    throw APIProblem(error: .badRequest("“questions” holds an empty question, or one with white space around it."),
                                     extensions: [("errors", .object([("questions", "Each question needs words, and no white space around them.")]))])
                }
                fields.questions = questions
            },
        ]
    }

    /// Fields that go together (a discount with Discounted charging, domains with approval by email domain) are required
    /// together, both ways: `check` enforces it.
    static var rules: [JSON] {
        let discounted = JSON.string(BenefitKind.discountedCharging.rawValue), byDomain = JSON.string(ApprovalType.emailDomain.rawValue)
        return [
            ["if": ["required": ["benefits"], "properties": ["benefits": ["contains": ["const": discounted]]]],
             "then": ["required": ["discount_percent"], "properties": ["discount_percent": ["type": "integer"]]]],
            ["if": ["required": ["approval_type"], "properties": ["approval_type": ["const": byDomain]]],
             "then": ["required": ["email_domains"], "properties": ["email_domains": ["minItems": 1]]]],
            // And the other way: domains and a discount only with what keeps them, in the same body.
            ["if": ["required": ["email_domains"], "properties": ["email_domains": ["minItems": 1]]],
             "then": ["required": ["approval_type"], "properties": ["approval_type": ["const": byDomain]]]],
            ["if": ["required": ["discount_percent"], "properties": ["discount_percent": ["type": "integer"]]],
             "then": ["required": ["benefits"], "properties": ["benefits": ["contains": ["const": discounted]]]]],
        ]
    }

    /// The form hides the domains unless approval is by email domain, and the discount unless its benefit is ticked, and
    /// saving drops them; sent through the API they would be accepted and lost, so they are refused unless the same body
    /// says what keeps them (a rule of the body alone, which the document states and a client can check before sending).
    /// (That a body naming Discounted charging also names a discount is the form's check, with its message.)
    func check() throws {
        if let domains = emailDomains, !domains.isEmpty, approval != ApprovalType.emailDomain.rawValue {
            throw Self.unkept(ConnectionField.domains.rawValue, "“email_domains” go with “approval_type”: “\(ApprovalType.emailDomain.rawValue)” in the same request, "
                              + "since only that approval type keeps them: send both, or no domains.")
        }
        if case .some(.some) = discountPercent, !(benefits ?? []).contains(BenefitKind.discountedCharging.rawValue) {
            throw Self.unkept(ConnectionField.discount.rawValue, "“discount_percent” goes with “benefits” holding “\(BenefitKind.discountedCharging.rawValue)” "
                              + "in the same request, since only that benefit keeps it: send both, or no discount.")
        }
    }

    /// A field the connection would not keep as it is sent: a 400 naming it and why.
    static func unkept(_ field: String, _ why: String) -> APIProblem {
        APIProblem(error: .badRequest(why), extensions: [("errors", .object([(field, .string(why))]))])
    }

    /// The fields given onto a draft; the form's checks follow.
    func apply(to draft: inout ConnectionDraft) {
        if let name { draft.name = name }
        if let nameForDrivers { draft.nameForDrivers = nameForDrivers }
        if let type { draft.type = type }
        if let status { draft.status = status }
        if let visibility { draft.visibility = visibility }
        if let approval { draft.approval = approval }
        if let benefits { draft.benefits = benefits }
        if let discountPercent { draft.discountPercent = discountPercent.map(String.init) ?? "" }
        if let emailDomains { draft.emailDomains = emailDomains.joined(separator: "\n") }
        if let questions { draft.questions = questions }
    }
}

/// POST /api/v1/connections: the organization to create it in, and its fields.
struct ConnectionInput: JSONBody {
    var organizationID = 0
    var fields = ConnectionFields()

    static let schemaName = "ConnectionInput"

    static var fields: [JSONField<ConnectionInput>] {
        // Required, as the document says: a token's organizations may grow, and a client's request should not change meaning then.
        let missing = APIProblem(error: .badRequest("Name the organization to create the connection in: “organization_id”."),
                                 extensions: [("errors", .object([("organization_id", "Choose an organization.")]))])
        return [
            .number(ConnectionField.organization.rawValue, in: RequestNumber.ids,
                    ["type": "integer", "minimum": 1, "maximum": .int(RequestNumber.ids.upperBound), "description": "The organization to create it in."],
                    absence: .refused(missing)) { id, body in
                guard let id else { throw missing }
                body.organizationID = id
            },
        ] + ConnectionFields.fields(creating: true).map { $0.within(\.fields) }
    }

    static var rules: [JSON] { ConnectionFields.rules }

    func check() throws { try fields.check() }
}

/// PATCH /api/v1/connections/{id}: the version the change was made against, and the fields that change.
struct ConnectionChanges: JSONBody {
    var version = 0
    var fields = ConnectionFields()

    static let schemaName = "ConnectionChanges"

    static var fields: [JSONField<ConnectionChanges>] {
        let missing = UserError.badRequest("Send the “version” you changed (from GET /api/v1/connections/{id}), so that no one else's save is overwritten.")
        return [
            .number(ConnectionField.version.rawValue, in: RequestNumber.ids,
                    ["type": "integer", "minimum": 1, "maximum": .int(RequestNumber.ids.upperBound),
                     "description": "The `version` the change was made against."],
                    absence: .refused(missing)) { version, body in
                guard let version else { throw missing }
                body.version = version
            },
        ] + ConnectionFields.fields(creating: false).map { $0.within(\.fields) }
    }

    static var rules: [JSON] { ConnectionFields.rules }

    func check() throws { try fields.check() }
}
