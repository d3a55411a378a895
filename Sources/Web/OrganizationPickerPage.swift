import Domain
import FastCGI

/// GET /connections/organizations: every organization the user may see, searchable by name,
/// each a link back to the table (keeping its sort and page size) showing that organization.
struct OrganizationPickerPage {
    let page: Page

    func respond() throws -> Response {
        var state = try TableState.parse(page.request.query)
        state.page = 1
        let search = String((page.request.queryValue("q") ?? "").prefix(200)).trimmingSpaces
        let names = try Accounts(database: page.database).organizationNames(for: page.access, allowing: .viewConnections)
        let matches = search.isEmpty ? names : names.filter { $0.name.localizedCaseInsensitiveContains(search) || String($0.id) == search }
        func link(_ organization: Int?) -> TemplateValue {
            var target = state
            target.organization = organization
            return .text(ConnectionsPage.url(target, path: "/connections"))
        }
        return page.html(.organizations, title: "Choose an organization", [
            "allURL": link(nil),
            "search": .text(search),
            "count": .text(matches.count == 1 ? "1 organization" : "\(Format.integer(matches.count)) organizations"),
            "organizations": .list(matches.map { ["id": .text($0.id), "name": .text($0.name), "url": link($0.id),
                                                  "selected": .bool($0.id == state.organization)] }),
            "hasMatches": .bool(!matches.isEmpty),
            "hiddenState": .list(state.queryPairs.filter { $0.name != "org" }.map { ["name": .text($0.name), "value": .text($0.value)] }),
        ])
    }
}
