import Domain
import FastCGI

/// POST /api/v1/connections/{id}/memberships/import: the body is the file (CSV or XLSX), `mode`,
/// `dry_run`, `plan`, `filename` and `sheet` are in the query; the answer is the plan, as the
/// console's preview shows it, applied unless a dry run.
struct APIRosterImport {
    let call: APICall

    func respond(connectionID: Int) throws -> Response {
        let request = call.request
        let type = request.headers["content-type"]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        guard ImportFile.mediaTypes.contains(type) else {
            throw UserError.badRequest("Send the file as the body, with Content-Type: \(ImportFile.mediaTypes.joined(separator: " or ")).")
        }
        let mode = try RosterImportPage.mode(request.queryValue("mode") ?? ImportMode.add.rawValue)
        guard let dryRun = ["true": true, "false": false][request.queryValue("dry_run") ?? "false"] else {
            throw UserError.badRequest("dry_run is true or false.")
        }
        let file = ImportFile(name: request.queryValue("filename") ?? "", bytes: request.body, sheet: request.queryValue("sheet"))
        let command = ImportRoster(file, mode: mode, connectionID: connectionID, expected: request.queryValue("plan"),
                                   dailyLimit: call.handler.configuration.emailInvitesPerDay)
        if dryRun { return APICall.json(RosterPlanAnswer.encode(try command.preview(by: call.access, in: call.database), applied: false)) }
        do {
            return APICall.json(RosterPlanAnswer.encode(try command.run(by: call.access, in: call.database), applied: true))
        } catch let changed as ImportPlanChanged {
            throw UserError.conflict("The connection's drivers or the file changed since that plan: it is \(changed.plan.digest) now. "
                                     + "Look at it with dry_run=true, then import again.")
        }
    }
}

/// A roster import's plan as JSON: its counts, the first rows of each group and every invalid row (up to a limit).
enum RosterPlanAnswer {
    static let shown = RosterImportPage.shown

    static func encode(_ plan: RosterPlan, applied: Bool) -> JSON {
        func entries(_ list: [RosterPlan.Entry]) -> JSON {
            .array(list.prefix(shown).map { entry in
                .object([("row", entry.row == 0 ? .null : .int(entry.row)), ("email", .string(entry.email)), ("name", .string(entry.name))])
            })
        }
        return .object([
            ("applied", .bool(applied)), ("mode", .string(plan.mode.rawValue)), ("file_sha256", .string(plan.fileHash)), ("plan", .string(plan.digest)),
            ("counts", .object(plan.counts.map { ($0.0, .int($0.1)) })),
            ("new", entries(plan.new)), ("changed", entries(plan.changed)), ("removed", entries(plan.removed)), ("unchanged", entries(plan.unchanged)),
            ("invalid", .array(plan.invalid.prefix(shown * 20).map { .object([("row", .int($0.row)), ("column", .string($0.column)), ("reason", .string($0.reason))]) })),
        ])
    }

    static var schema: JSON {
        let entry: JSON = ["type": "object", "additionalProperties": false, "required": ["row", "email", "name"], "properties": [
            "row": ["type": ["integer", "null"], "description": "The file's row (the header is 1); null for a driver not in the file."],
            "email": ["type": "string"], "name": ["type": "string"]]]
        let list: JSON = ["type": "array", "maxItems": .int(shown), "items": entry]
        let counts = ["new", "unchanged", "changed", "removed", "invalid"]
        return ["type": "object", "additionalProperties": false,
                "required": ["applied", "mode", "file_sha256", "plan", "counts", "new", "changed", "removed", "unchanged", "invalid"],
                "properties": [
                    "applied": ["type": "boolean"], "mode": ["type": "string", "enum": .array(ImportMode.allCases.map { .string($0.rawValue) })],
                    "file_sha256": ["type": "string"], "plan": ["type": "string", "description": "Names this plan: give it as `plan` to apply exactly it."],
                    "counts": ["type": "object", "additionalProperties": false, "required": .array(counts.map { .string($0) }),
                               "properties": .object(counts.map { ($0, ["type": "integer", "minimum": 0]) })],
                    "new": list, "changed": list, "removed": list, "unchanged": list,
                    "invalid": ["type": "array", "items": ["type": "object", "additionalProperties": false, "required": ["row", "column", "reason"],
                                                           "properties": ["row": ["type": "integer"], "column": ["type": "string"], "reason": ["type": "string"]]]],
                ]]
    }
}
