import Domain
import FastCGI
import Foundation
import Storage

/// GET /audit: newest first, for the organizations the user administers (or one of them).
struct AuditPage {
    let page: Page
    static let pageSize = 50

    /// One page of the log as `org` and `page` in the query ask, for this page and the API: a page
    /// past the end is the last one.
    static func read(_ request: Request, access: Access, database: Database) throws
        -> (entries: [AuditLog.Entry], total: Int, page: Int, pageCount: Int, organizations: [Int]) {
        var organizations = access.organizations(allowing: .viewAudit)
        if let requested = request.queryValue("org"), requested != "all" {
            organizations = [try access.organization(requested, allowing: .viewAudit)]
        }
        guard !organizations.isEmpty else { throw UserError.forbidden("Only Admins can see the audit log.") }
        guard let asked = RequestNumber.parse(request.queryValue("page") ?? "1", in: RequestNumber.pages) else {
            throw UserError.badRequest("The page must be a whole number from 1 to \(Format.integer(RequestNumber.pages.upperBound)).")
        }
        let audit = AuditLog(database: database)
        var log = try audit.page(organizations: organizations, page: asked, pageSize: Self.pageSize)
        let pageCount = max(1, (log.total + Self.pageSize - 1) / Self.pageSize)
        if asked > pageCount { log = try audit.page(organizations: organizations, page: pageCount, pageSize: Self.pageSize) }
        return (log.entries, log.total, min(asked, pageCount), pageCount, organizations)
    }

    func respond() throws -> Response {
        let log = try Self.read(page.request, access: page.access, database: page.database)
        let (organizations, number, pageCount) = (log.organizations, log.page, log.pageCount)
        let org = organizations.count == 1 ? "org=\(organizations[0])&" : ""
        return page.html("audit", title: "Audit log", [
            "entries": .list(log.entries.map { entry in
                ["at": .text(DateText.display(entry.at)), "actor": .text(entry.actor), "organization": .text(entry.organization ?? "—"),
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
