import Domain
import FastCGI

/// GET /api/v1/audit: the audit log as the audit page reads it (`org`, `page`), newest first.
struct APIAudit {
    let call: APICall

    func list() throws -> Response {
        let log = try AuditPage.read(call.request, access: call.access, database: call.database)
        return APICall.json(.object([
            ("total", .int(log.total)),
            ("page", .int(log.page)),
            ("page_count", .int(log.pageCount)),
            ("entries", .array(log.entries.map { entry in
                .object([
                    ("id", .int(entry.id)), ("at", .string(entry.at)), ("actor", .string(entry.actor)),
                    ("organization_id", entry.organizationID.map(JSON.int) ?? .null),
                    ("organization", entry.organization.map(JSON.string) ?? .null),
                    ("action", .string(entry.action)), ("subject", .string(entry.subject)),
                    // Stored as a JSON object of texts; a hand-edited row reads as an empty object.
                    ("details", (try? JSON.parse(Array(entry.details.utf8))) ?? .object([])),
                ])
            })),
        ]))
    }
}
