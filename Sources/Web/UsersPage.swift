import Domain
import FastCGI

/// /users?org=ID: an Admin invites people to the organization (and revokes invitations), changes
/// members' roles, removes them.
struct UsersPage {
    let page: Page

    func respond() throws -> Response {
        let admin = page.access.organizations(allowing: .manageUsers)
        let requested = page.request.isRead ? page.request.queryValue("org") : page.request.formValue("org")
        let organization = try page.organization(requested ?? admin.first.map(String.init)
                                                 ?? page.access.organizationIDs.first.map(String.init), allowing: .manageUsers)
        if page.request.isRead { return try show(organization, message: nil, status: 200) }
        do {
            let message = try act(on: organization)
            return try show(organization, message: message, status: 200)
        } catch {
            if case UserError.notFound = error { throw error }
            let failure = ErrorPresentation(error, request: page.request)
            var response = try show(organization, message: failure.message, status: failure.status, failed: true)
            response.headers += failure.headers
            return response
        }
    }

    /// Performs the form's action (each a Domain command, audited there) and says what happened.
    private func act(on organization: Int) throws -> String {
        let actor = page.access
        func role() throws -> Role {
            guard let role = Role(rawValue: page.request.formValue("role") ?? "") else { throw UserError.badRequest("Choose a role.") }
            return role
        }
        func member() throws -> Int {
            guard let id = RequestNumber.parse(page.request.formValue("user"), in: RequestNumber.ids) else {
                throw UserError.notFound("That user is not a member of this organization.")
            }
            return id
        }
        switch page.request.formValue("action") {
        case "add":
            // An invitation the person accepts; the answer is the same whether the address has an account.
            return try InviteUser(email: page.request.formValue("email") ?? "", role: try role(), to: organization).run(by: actor, in: page.database)
        case "revoke":
            guard let id = RequestNumber.parse(page.request.formValue("invitation"), in: RequestNumber.ids) else {
                throw UserError.notFound("There is no such invitation in this organization.")
            }
            return try RevokeInvitation(id, in: organization).run(by: actor, in: page.database)
        case "role":
            let id = try member()
            return try ChangeRole(of: id, in: organization, to: try role()).run(by: actor, in: page.database)
        case "remove":
            return try RemoveMember(try member(), from: organization).run(by: actor, in: page.database)
        case "time-zone":
            return try SetTimeZone(page.request.formValue("time_zone") ?? "", of: organization).run(by: actor, in: page.database)
        default:
            throw UserError.badRequest("Unknown action.")
        }
    }

    private func show(_ organization: Int, message: String?, status: Int, failed: Bool = false) throws -> Response {
        let accounts = Accounts(database: page.database)
        let names = try accounts.organizationNames(for: page.access, allowing: .manageUsers)
        let members = try accounts.members(of: organization)
        let invitations = try UserInvitations(database: page.database).pending(in: organization)
        return page.html(status: status, .users, title: "Users", [
            "organization": .text(organization),
            "organizationName": .text(names.first { $0.id == organization }?.name ?? ""),
            "organizations": .list(names.map { ["id": .text($0.id), "name": .text($0.name), "selected": .bool($0.id == organization)] }),
            "severalOrganizations": .bool(names.count > 1),
            "members": .list(members.map { member in
                [
                    "id": .text(member.userID), "name": .text(member.name), "email": .text(member.email), "emailHTML": .breakable(member.email),
                    "isSelf": .bool(member.userID == page.access.userID),
                    "roles": .list(Role.allCases.map { ["value": .text($0.rawValue), "selected": .bool($0 == member.role)] }),
                ]
            }),
            "invitations": .list(invitations.map {
                ["id": .text($0.id), "email": .text($0.email), "emailHTML": .breakable($0.email), "role": .text($0.role.rawValue), "expires": .text(DateText.display($0.expiresAt))]
            }),
            "hasInvitations": .bool(!invitations.isEmpty),
            // Least privilege first: a new user is a Viewer unless the Admin says otherwise.
            "roles": .list(Role.allCases.reversed().map { ["value": .text($0.rawValue)] }),
            "message": message.map(TemplateValue.text) ?? .bool(false),
            "failed": .bool(failed),
            "emailStatus": try EmailPage.status(page),
            "timeZone": .text(try OrganizationTimeZone(database: page.database).identifier(of: organization)),
        ])
    }
}
