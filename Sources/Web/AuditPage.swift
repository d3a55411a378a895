import Domain
import FastCGI
import Foundation

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
        guard let asked = RequestNumber.parse(page.request.queryValue("page") ?? "1", in: RequestNumber.pages) else {
            throw UserError.badRequest("The page must be a whole number from 1 to \(Format.integer(RequestNumber.pages.upperBound)).")
        }
        let audit = AuditLog(database: page.database)
        var log = try audit.page(organizations: organizations, page: asked, pageSize: Self.pageSize)
        let pageCount = max(1, (log.total + Self.pageSize - 1) / Self.pageSize)
        if asked > pageCount { log = try audit.page(organizations: organizations, page: pageCount, pageSize: Self.pageSize) }
        let number = min(asked, pageCount)
        let org = organizations.count == 1 ? "org=\(organizations[0])&" : ""
        return page.html("audit", title: "Audit log", [
            "entries": .list(log.entries.map { entry in
                ["at": .text(entry.at), "actor": .text(entry.actor), "organization": .text(entry.organization ?? "—"),
                 "action": .text(entry.action), "subject": .text(entry.subject), "details": .text(Self.readable(entry.details))]
            }),
            "hasEntries": .bool(!log.entries.isEmpty),
            "organizations": .list(try Accounts(database: page.database).organizationNames(for: page.access, allowing: .viewAudit).map {
                ["id": .text($0.id), "name": .text($0.name), "selected": .bool(organizations.count == 1 && organizations[0] == $0.id)]
            }),
            "total": .text(log.total == 1 ? "1 entry" : "\(Format.integer(log.total)) entries"),
            "page": .text(Format.integer(number)),
            "pageCount": .text(Format.integer(pageCount)),
            "previousURL": number > 1 ? .text("/audit?\(org)page=\(number - 1)") : .bool(false),
            "nextURL": number < pageCount ? .text("/audit?\(org)page=\(number + 1)") : .bool(false),
        ])
    }
}

extension AuditPage {
    /// {"after":"Viewer","before":"Admin"} -> "after: Viewer · before: Admin"
    static func readable(_ json: String) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else { return json }
        return object.keys.sorted().map { "\($0): \(object[$0].map { "\($0)" } ?? "")" }.joined(separator: " · ")
    }
}
