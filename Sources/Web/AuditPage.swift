import Domain
import FastCGI

/// GET /audit: newest first, for the organizations the user administers (or one of them).
struct AuditPage {
    let page: Page
    static let pageSize = 50

    func respond() throws -> Response {
        let admin = page.access.organizations(allowing: .viewAudit)
        var organizations = admin
        if let requested = page.request.queryValue("org"), requested != "all" {
            organizations = [try page.organization(requested, allowing: .viewAudit)]
        }
        guard !organizations.isEmpty else { throw UserError.forbidden("Only Admins can see the audit log.") }
        guard let number = Int(page.request.queryValue("page") ?? "1"), number >= 1 else {
            throw UserError.badRequest("The page must be a whole number from 1.")
        }
        let log = try AuditLog(database: page.database).page(organizations: organizations, page: number, pageSize: Self.pageSize)
        let pageCount = max(1, (log.total + Self.pageSize - 1) / Self.pageSize)
        let org = organizations.count == 1 ? "org=\(organizations[0])&" : ""
        return page.html("audit", title: "Audit log", [
            "entries": .list(log.entries.map { entry in
                ["at": .text(entry.at), "actor": .text(entry.actor), "organization": .text(entry.organization ?? "—"),
                 "action": .text(entry.action), "subject": .text(entry.subject), "details": .text(entry.details == "{}" ? "" : entry.details)]
            }),
            "hasEntries": .bool(!log.entries.isEmpty),
            "organizations": .list(try Accounts(database: page.database).organizationNames(for: page.access, allowing: .viewAudit).map {
                ["id": .text($0.id), "name": .text($0.name), "selected": .bool(organizations.count == 1 && organizations[0] == $0.id)]
            }),
            "total": .text(Format.integer(log.total)),
            "page": .text(Format.integer(min(number, pageCount))),
            "pageCount": .text(Format.integer(pageCount)),
            "previousURL": number > 1 ? .text("/audit?\(org)page=\(number - 1)") : .bool(false),
            "nextURL": number < pageCount ? .text("/audit?\(org)page=\(number + 1)") : .bool(false),
        ])
    }
}
