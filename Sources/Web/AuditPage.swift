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
        return page.html(.audit, title: "Audit log", [
            "entries": .list(log.entries.map { entry in
                ["at": .text(DateText.display(entry.at)), "actor": .breakable(entry.actor), "organization": .text(entry.organization ?? "—"),
                 "action": .text(entry.action), "subject": .breakable(entry.subject), "subjectURL": Self.changed(entry.details).map { .text($0) } ?? .bool(false),
                 "details": .list(Self.readable(entry.details).map(TemplateValue.breakable))]
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
    /// An entry's details as lines a person reads: {"after":"Viewer","before":"Admin"} -> "Admin → Viewer";
    /// a connection's fields before and after a change -> "Status: Enabled → Disabled", one line per
    /// field that changed; other keys -> "Rows: 12".
    static func readable(_ json: String) -> [String] {
        guard let members = (try? JSON.parse(Array(json.utf8)))?.members else { return json.isEmpty ? [] : [json] }
        let object = Dictionary(members, uniquingKeysWith: { $1 })
        var lines: [String] = []
        let before = object["before"].map(text), after = object["after"].map(text)
        switch (before, after, before.flatMap(fields), after.flatMap(fields)) {
        case let (_, _, old?, new?):
            // A connection changed: the fields that did.
            for key in Set(old.keys).union(new.keys).sorted() where old[key] != new[key] {
                lines.append("\(label(key)): \(old[key].map(shown) ?? "—") → \(new[key].map(shown) ?? "—")")
            }
            if lines.isEmpty { lines.append("No field changed") }
        case let (old?, new?, _, _):
            lines.append("\(shown(old)) → \(shown(new))")
        case let (nil, _, nil, snapshot?), let (_, nil, snapshot?, nil):
            // Created (after only) or deleted (before only): every field.
            lines += snapshot.keys.sorted().map { "\(label($0)): \(shown(snapshot[$0]!))" }
        case let (old, new, _, _):
            if let old { lines.append("Before: \(shown(old))") }
            if let new { lines.append("After: \(shown(new))") }
        }
        lines += object.keys.filter { $0 != "before" && $0 != "after" && $0 != AuditLog.connectionKey }.sorted().map { key in
            let value = text(object[key]!)
            // An export's columns are stored by key: shown by their labels.
            let readable = key == "columns" ? value.split(separator: ",").map { ColumnCatalog.column(String($0))?.label ?? String($0) }.joined(separator: ", ") : value
            return "\(label(key)): \(shown(readable))"
        }
        return lines
    }

    /// Where what an entry changed is seen: the connection's drivers, for an import.
    static func changed(_ json: String) -> String? {
        guard let members = (try? JSON.parse(Array(json.utf8)))?.members,
              let value = members.first(where: { $0.0 == AuditLog.connectionKey }).map({ text($0.1) }), let id = Int(value) else { return nil }
        return "/connections/\(id)#drivers"
    }

    /// A stored value as text: arrays joined, JSON kept as its text.
    static func text(_ value: JSON) -> String {
        switch value {
        case .string(let text): return text
        case .array(let items): return items.map(text).joined(separator: ", ")
        default: return value.text
        }
    }

    /// The fields of a connection snapshot (a JSON object stored as text), as text.
    static func fields(_ json: String) -> [String: String]? {
        guard json.hasPrefix("{"), let members = (try? JSON.parse(Array(json.utf8)))?.members else { return nil }
        return Dictionary(members.map { ($0.0, text($0.1)) }, uniquingKeysWith: { $1 })
    }

    static func shown(_ value: String) -> String { value.isEmpty ? "—" : value.replacingOccurrences(of: "\n", with: ", ") }

    /// "name_for_drivers" -> "Name for drivers".
    static func label(_ key: String) -> String {
        let words = key.replacingOccurrences(of: "_", with: " ")
        return words.prefix(1).uppercased() + words.dropFirst()
    }
}
