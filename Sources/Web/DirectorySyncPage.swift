import Domain
import FastCGI

/// /directory?org=ID: an Admin connects the organization's identity provider by SCIM: the
/// service's address, SCIM tokens (made here, shown once, revoked here), and which connection
/// each directory group's members join (a group named like a connection is mapped to it when it
/// arrives). Each change is a Domain call, audited there.
struct DirectorySyncPage {
    let page: Page

    func respond() throws -> Response {
        let admin = page.access.organizations(allowing: .manageUsers)
        let requested = page.request.isRead ? page.request.queryValue("org") : page.request.formValue("org")
        let organization = try page.organization(requested ?? admin.first.map(String.init), allowing: .manageUsers)
        if page.request.isRead { return try show(organization) }
        do {
            switch page.request.formValue("action") {
            case "token":
                let name = String((page.request.formValue("name") ?? "").prefix(APITokens.longestName + 1))
                let token = try DirectoryTokens(database: page.database).create(name: name, organization: organization, by: page.access)
                return try show(organization, created: token, status: 201)
            case "revoke":
                try DirectoryTokens(database: page.database).revoke(try number("token"), organization: organization, by: page.access)
                return try show(organization, message: "The SCIM token was revoked: it no longer works.")
            case "map":
                let connection = page.request.formValue("connection").flatMap { $0.isEmpty ? nil : $0 }
                let connectionID = try connection.map { try RequestNumber.parse($0, in: RequestNumber.ids) ?? { throw UserError.badRequest("Choose a connection.") }() }
                try MapDirectoryGroup(organization: organization, groupID: try number("group"), connectionID: connectionID).run(by: page.access, in: page.database)
                return try show(organization, message: connectionID == nil ? "The group is no longer mapped: its members left the connection."
                                : "The group is mapped: its active members are the connection's drivers.")
            default:
                throw UserError.badRequest("Unknown action.")
            }
        } catch {
            if case UserError.notFound = error { throw error }
            let failure = ErrorPresentation(error, request: page.request)
            var response = try show(organization, message: failure.message, failed: true, status: failure.status)
            response.headers += failure.headers
            return response
        }
    }

    private func number(_ field: String) throws -> Int {
        guard let id = RequestNumber.parse(page.request.formValue(field), in: RequestNumber.ids) else { throw UserError.notFound("There is no such \(field).") }
        return id
    }

    private func show(_ organization: Int, created: String? = nil, message: String? = nil, failed: Bool = false, status: Int = 200) throws -> Response {
        let names = try Accounts(database: page.database).organizationNames(for: page.access, allowing: .manageUsers)
        let directory = Directory(database: page.database, organization: organization)
        let tokens = try DirectoryTokens(database: page.database).list(organization: organization)
        let groups = try directory.groups(matching: nil, offset: 0, limit: 500, withMembers: false).groups
        let connections = try directory.connections()
        return page.html(status: status, .directory, title: "Directory sync", [
            "organization": .text(organization),
            "organizationName": .text(names.first { $0.id == organization }?.name ?? ""),
            "organizations": .list(names.map { ["id": .text($0.id), "name": .text($0.name), "selected": .bool($0.id == organization)] }),
            "severalOrganizations": .bool(names.count > 1),
            "scimURL": .text(page.handler.configuration.publicBaseURL + SCIMService.prefix),
            "created": created.map(TemplateValue.text) ?? false,
            "message": message.map(TemplateValue.text) ?? false,
            "failed": .bool(failed),
            "longestName": .text(APITokens.longestName),
            "hasTokens": .bool(!tokens.isEmpty),
            "tokens": .list(tokens.map { token in
                ["id": .text(token.id), "name": .text(token.name), "created": .text(DateText.display(token.createdAt)),
                 "lastUsed": .text(token.lastUsedAt.map(DateText.display) ?? "never")]
            }),
            "hasGroups": .bool(!groups.isEmpty),
            "groups": .list(groups.map { group in
                ["id": .text(group.id), "name": .text(group.displayName),
                 "connections": .list(connections.map { ["id": .text($0.id), "name": .text($0.name), "selected": .bool($0.id == group.connectionID)] }),
                 "unmapped": .bool(group.connectionID == nil)]
            }),
        ])
    }
}
