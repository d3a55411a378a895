import Domain
import FastCGI

/// POST /api/v1/connections/import: the body is the connections table's export (CSV or XLSX), edited;
/// `dry_run`, `plan`, `filename` and `sheet` are in the query; the answer is the plan (new, changed
/// field by field, unchanged, invalid rows), applied unless a dry run.
struct APIConnectionImport {
    let call: APICall

    func respond() throws -> Response {
        let request = call.request
        let type = request.headers["content-type"]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        guard ImportFile.mediaTypes.contains(type) else {
            throw UserError.badRequest("Send the file as the body, with Content-Type: \(ImportFile.mediaTypes.joined(separator: " or ")).")
        }
        guard let dryRun = ["true": true, "false": false][request.queryValue("dry_run") ?? "false"] else {
            throw UserError.badRequest("dry_run is true or false.")
        }
        let configuration = call.handler.configuration
        let command = ImportConnections(ImportFile(name: request.queryValue("filename") ?? "", bytes: request.body, sheet: request.queryValue("sheet")),
                                        expected: request.queryValue("plan"), inviteURL: { configuration.inviteURL(token: $0) })
        if dryRun { return APICall.json(Self.encode(try command.preview(by: call.access, in: call.database), applied: false)) }
        do {
            return APICall.json(Self.encode(try command.run(by: call.access, in: call.database), applied: true))
        } catch let changed as ConnectionImportChanged {
            throw UserError.conflict("The connections or the file changed since that plan: it is \(changed.plan.digest) now. "
                                     + "Look at it with dry_run=true, then import again.")
        }
    }

    static func encode(_ plan: ConnectionPlan, applied: Bool) -> JSON {
        func entries(_ list: [ConnectionPlan.Entry]) -> JSON {
            .array(list.prefix(RosterPlanAnswer.shown).map { entry in
                .object([("row", .int(entry.row)), ("organization_id", .int(entry.organizationID)), ("name", .string(entry.name)),
                         ("id", entry.existing.map { .int($0.id) } ?? .null),
                         ("changes", .array(entry.changes.map { .object([("column", .string($0.label)), ("before", .string($0.before)), ("after", .string($0.after))]) }))])
            })
        }
        return .object([
            ("applied", .bool(applied)), ("file_sha256", .string(plan.fileHash)), ("plan", .string(plan.digest)),
            ("counts", .object(plan.counts.map { ($0.0, .int($0.1)) })),
            ("new", entries(plan.new)), ("changed", entries(plan.changed)), ("unchanged", entries(plan.unchanged)),
            ("invalid", .array(plan.invalid.prefix(RosterPlanAnswer.shown * 20).map {
                .object([("row", .int($0.row)), ("column", .string($0.column)), ("reason", .string($0.reason))]) })),
        ])
    }

    static var schema: JSON {
        let change: JSON = ["type": "object", "additionalProperties": false, "required": ["column", "before", "after"],
                            "properties": ["column": ["type": "string"], "before": ["type": "string"], "after": ["type": "string"]]]
        let entry: JSON = ["type": "object", "additionalProperties": false, "required": ["row", "organization_id", "name", "id", "changes"], "properties": [
            "row": ["type": "integer"], "organization_id": ["type": "integer"], "name": ["type": "string"],
            "id": ["type": ["integer", "null"], "description": "The connection the row matched; null for a new one."],
            "changes": ["type": "array", "items": change]]]
        let list: JSON = ["type": "array", "maxItems": .int(RosterPlanAnswer.shown), "items": entry]
        let counts = ["new", "unchanged", "changed", "invalid"]
        return ["type": "object", "additionalProperties": false,
                "required": ["applied", "file_sha256", "plan", "counts", "new", "changed", "unchanged", "invalid"],
                "properties": [
                    "applied": ["type": "boolean"], "file_sha256": ["type": "string"],
                    "plan": ["type": "string", "description": "Names this plan: give it as `plan` to apply exactly it."],
                    "counts": ["type": "object", "additionalProperties": false, "required": .array(counts.map { .string($0) }),
                               "properties": .object(counts.map { ($0, ["type": "integer", "minimum": 0]) })],
                    "new": list, "changed": list, "unchanged": list,
                    "invalid": ["type": "array", "items": ["type": "object", "additionalProperties": false, "required": ["row", "column", "reason"],
                                                           "properties": ["row": ["type": "integer"], "column": ["type": "string"], "reason": ["type": "string"]]]],
                ]]
    }
}
