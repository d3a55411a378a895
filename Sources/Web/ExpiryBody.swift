import Domain

/// POST /api/v1/memberships/expiry: `{"ids": [...], "ends": "2027-06-30"}` sets the day the connected
/// drivers' memberships end (`SetMembershipExpiry`); `"ends": null` clears it (never).
struct ExpiryBody: JSONBody {
    var ids: [Int] = []
    var ends: String?

    static let schemaName = "MembershipExpiry"

    static var fields: [JSONField<ExpiryBody>] {
        let notIDs = UserError.badRequest("“ids” must be a list of membership ids.")
        let notDay = UserError.badRequest("“ends” must be a day as YYYY-MM-DD (e.g. 2027-06-30), or null for never.")
        return [
            JSONField(name: "ids", schema: ["type": "array", "minItems": 1, "maxItems": .int(MembershipDecisions.mostAtOnce),
                                            "items": APIParameter.ids],
                      absence: .refused(notIDs)) { member, body in
                guard case .array(let items) = member, items.count <= MembershipDecisions.mostAtOnce else { throw notIDs }
                body.ids = try items.map { item in
                    guard case .number(let text) = item, let id = RequestNumber.parse(jsonNumber: text, in: RequestNumber.ids) else { throw notIDs }
                    return id
                }
            },
            JSONField(name: "ends", schema: ["type": ["string", "null"], "format": "date", "pattern": "^[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}$",
                                             "description": "The day the memberships end (at its start, UTC); null: never."],
                      absence: .refused(notDay)) { member, body in
                switch member {
                case .null: body.ends = nil
                case .string(let text):
                    guard let day = try SetMembershipExpiry.day(from: text) else { throw notDay }
                    body.ends = day
                default: throw notDay
                }
            },
        ]
    }
}
