import Domain
import FastCGI

/// GET /api/v1/audit: the audit log as the audit page reads it (`org`, `page`), newest first.
struct APIAudit {
    let call: APICall

    func list() throws -> Response {
        APICall.json(AuditLogAnswer.encode(try AuditPage.read(call.request, access: call.access, database: call.database)))
    }
}
