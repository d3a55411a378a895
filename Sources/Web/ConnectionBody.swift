import Domain
import Foundation

/// A connection's fields as the API sends them, typed, each declared once: what the document shows
/// (`ConnectionInput`, `ConnectionChanges`) and what `APIConnections` turns into `CreateConnection`
/// or `UpdateConnection`. A value outside its list (a type, a benefit) is kept as a problem by the
/// form's field name, so that the command's rules report it with every other problem at once.
struct ConnectionFields {
    var name, nameForDrivers: String?
    var type: ConnectionType?
    var status: ConnectionStatus?
    var visibility: Visibility?
    var approval: ApprovalType?
    var benefits: [BenefitKind]?
    /// `.some(nil)`: null, no discount.
    var discountPercent: Int??
    var emailDomains: [String]?
    var questions: [String]?
    /// Values that are not among the allowed ones, by the form's field name, with the form's message.
    var unreadable: [String: String] = [:]

    /// One of an enumeration's values, or the form's problem.
    static func choice<Value: RawRepresentable<String>>(_ text: String, _ formName: String, _ message: String,
                                                          into fields: inout ConnectionFields) -> Value? {
        guard let value = Value(rawValue: text) else {
            fields.unreadable[formName] = message
            return nil
        }
        return value
    }

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
            .text(ConnectionField.type.rawValue, OpenAPIDocument.ref("ConnectionType")) { $1.type = choice($0, "type", "Choose a connection type.", into: &$1) },
            .text(ConnectionField.status.rawValue, OpenAPIDocument.ref("ConnectionStatus")) { $1.status = choice($0, "status", "Choose Enabled or Disabled.", into: &$1) },
            .text(ConnectionField.visibility.rawValue, OpenAPIDocument.ref("Visibility")) {
                $1.visibility = choice($0, "visibility", "Choose Public or Private.", into: &$1)
            },
            .text(ConnectionField.approval.rawValue, OpenAPIDocument.ref("ApprovalType")) {
                $1.approval = choice($0, "approval", "Choose an approval type.", into: &$1)
            },
            .texts(ConnectionField.benefits.rawValue, most: BenefitKind.allCases.count,
                   ["type": "array", "minItems": 1, "maxItems": .int(BenefitKind.allCases.count), "items": OpenAPIDocument.ref("Benefit")],
                   absence: needed) { texts, fields in
                if texts.contains(where: { BenefitKind(rawValue: $0) == nil }) { fields.unreadable["benefits"] = "Choose benefits from the list." }
                fields.benefits = BenefitKind.allCases.filter { texts.contains($0.rawValue) }
            },
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

    /// Whether these fields hold both of the pair a linked field belongs to (form names: "domains" with
    /// the approval type, "discount" with the benefits): only then is its problem the body's own.
    func sendsBoth(linkedTo field: String) -> Bool {
        switch field {
        case "domains": return approval != nil && emailDomains != nil
        case "discount": return benefits != nil && discountPercent != nil
        default: return true
        }
    }

    /// A discount or domains that the merged connection would not keep (`ConnectionSettings.problems`
    /// names them) are refused as before, naming the field and what keeps it.
    static func unkept(_ problems: [String: String]) -> APIProblem? {
        if problems["domains"] == ConnectionSettings.domainsUnkept {
            return unkept(ConnectionField.domains.rawValue, "“email_domains” go with “approval_type”: “\(ApprovalType.emailDomain.rawValue)” in the same request, "
                          + "since only that approval type keeps them: send both, or no domains.")
        }
        if problems["discount"] == ConnectionSettings.discountUnkept {
            return unkept(ConnectionField.discount.rawValue, "“discount_percent” goes with “benefits” holding “\(BenefitKind.discountedCharging.rawValue)” "
                          + "in the same request, since only that benefit keeps it: send both, or no discount.")
        }
        return nil
    }

    /// A field the connection would not keep as it is sent: a 400 naming it and why.
    static func unkept(_ field: String, _ why: String) -> APIProblem {
        APIProblem(error: .badRequest(why), extensions: [("errors", .object([(field, .string(why))]))])
    }

    /// A new connection of these fields: what a new connection starts as where one is not given
    /// (Standard, Enabled, Private, Manually approve; the required ones the rules report as missing).
    func creation(in organization: Int) -> CreateConnection {
        CreateConnection(organizationID: organization, ConnectionSettings(
            name: name ?? "", nameForDrivers: nameForDrivers ?? "", type: type ?? .standard, status: status ?? .enabled,
            visibility: visibility ?? .private, approval: approval ?? .manual, benefits: benefits ?? [], discountPercent: discountPercent ?? nil,
            emailDomains: emailDomains ?? [], questions: questions ?? []))
    }

    /// The change of these fields (those not given stay as stored).
    func change(of connection: Int, at version: Int) -> UpdateConnection {
        var change = UpdateConnection(connectionID: connection, version: version)
        change.name = name
        change.nameForDrivers = nameForDrivers
        change.type = type
        change.status = status
        change.visibility = visibility
        change.approval = approval
        change.benefits = benefits
        change.discountPercent = discountPercent
        change.emailDomains = emailDomains
        change.questions = questions
        return change
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
}

/// PATCH /api/v1/connections/{id}: the version the change was made against, and the fields that change.
struct ConnectionChanges: JSONBody {
    /// nil: not sent, which `APIConnections.update` answers naming the connection's own address.
    var version: Int?
    var fields = ConnectionFields()

    static let schemaName = "ConnectionChanges"

    static var fields: [JSONField<ConnectionChanges>] {
        [
            .number(ConnectionField.version.rawValue, in: RequestNumber.ids,
                    ["type": "integer", "minimum": 1, "maximum": .int(RequestNumber.ids.upperBound),
                     "description": "The `version` the change was made against."],
                    absence: .checkedLater) { version, body in body.version = version },
        ] + ConnectionFields.fields(creating: false).map { $0.within(\.fields) }
    }

    /// A change merges with the stored values (`UpdateConnection`), so a linked field sent alone is
    /// judged with the stored partner (refused with a 409 when they do not fit); the body's own rules
    /// bind a pair sent together.
    static var rules: [JSON] {
        let discounted = JSON.string(BenefitKind.discountedCharging.rawValue), byDomain = JSON.string(ApprovalType.emailDomain.rawValue)
        return [
            ["if": ["required": ["benefits", "discount_percent"], "properties": ["benefits": ["contains": ["const": discounted]]]],
             "then": ["properties": ["discount_percent": ["type": "integer"]]]],
            ["if": ["required": ["approval_type", "email_domains"], "properties": ["approval_type": ["const": byDomain]]],
             "then": ["properties": ["email_domains": ["minItems": 1]]]],
            ["if": ["required": ["email_domains", "approval_type"], "properties": ["email_domains": ["minItems": 1]]],
             "then": ["properties": ["approval_type": ["const": byDomain]]]],
            ["if": ["required": ["discount_percent", "benefits"], "properties": ["discount_percent": ["type": "integer"]]],
             "then": ["properties": ["benefits": ["contains": ["const": discounted]]]]],
        ]
    }
}
