import Domain
import FastCGI

/// /users?org=ID: an Admin adds users to the organization, changes their roles, removes them.
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

    /// Performs the form's action, audited, and says what happened.
    private func act(on organization: Int) throws -> String {
        let accounts = Accounts(database: page.database)
        let audit = AuditLog(database: page.database)
        let actor = page.access
        func role() throws -> Role {
            guard let role = Role(rawValue: page.request.formValue("role") ?? "") else { throw UserError.badRequest("Choose a role.") }
            return role
        }
        func member() throws -> (id: Int, email: String) {
            guard let id = RequestNumber.parse(page.request.formValue("user"), in: RequestNumber.ids),
                  let member = try accounts.members(of: organization).first(where: { $0.userID == id }) else {
                throw UserError.notFound("That user is not a member of this organization.")
            }
            return (id, member.email)
        }
        switch page.request.formValue("action") {
        case "add":
            // Checked before any look-up: an address no account can have is a mistake to say so, not a miss.
            let email = try Accounts.validEmail(page.request.formValue("email") ?? "")
            let role = try role()
            return try page.database.transaction {
                let existing = try accounts.userID(email: email)
                if let existing, try accounts.role(userID: existing, organizationID: organization) != nil {
                    throw UserError.conflict("\(email) is already a member of this organization.")
                }
                let name = page.request.formValue("name") ?? "", password = page.request.formValue("password") ?? ""
                if existing == nil && name.isEmpty && password.isEmpty {
                    throw UserError.badRequest("\(email) has no account yet: give a name and a first password to create one.")
                }
                let id = try existing ?? accounts.createUser(email: email, name: name, password: password)
                try accounts.setRole(userID: id, organizationID: organization, role: role)
                try audit.record(actorID: actor.userID, actor: actor.email, organizationID: organization, action: "User added",
                                 subject: email, details: ["role": role.rawValue, "new account": existing == nil ? "yes" : "no"])
                return "\(email) was added as \(role.rawValue)."
            }
        case "role":
            let (id, email) = try member()
            let role = try role()
            return try page.database.transaction {
                let before = try accounts.role(userID: id, organizationID: organization)
                try accounts.changeRole(userID: id, organizationID: organization, to: role)
                try audit.record(actorID: actor.userID, actor: actor.email, organizationID: organization, action: "Role changed",
                                 subject: email, details: ["before": before?.rawValue ?? "", "after": role.rawValue])
                return "\(email) is now \(role.rawValue)."
            }
        case "remove":
            let (id, email) = try member()
            return try page.database.transaction {
                let before = try accounts.role(userID: id, organizationID: organization)
                try accounts.removeRole(userID: id, organizationID: organization)
                try audit.record(actorID: actor.userID, actor: actor.email, organizationID: organization, action: "User removed",
                                 subject: email, details: ["role": before?.rawValue ?? ""])
                return "\(email) was removed from this organization."
            }
        default:
            throw UserError.badRequest("Unknown action.")
        }
    }

    private func show(_ organization: Int, message: String?, status: Int, failed: Bool = false) throws -> Response {
        let accounts = Accounts(database: page.database)
        let names = try accounts.organizationNames(for: page.access, allowing: .manageUsers)
        let members = try accounts.members(of: organization)
        return page.html(status: status, "users", title: "Users", [
            "organization": .text(organization),
            "organizationName": .text(names.first { $0.id == organization }?.name ?? ""),
            "organizations": .list(names.map { ["id": .text($0.id), "name": .text($0.name), "selected": .bool($0.id == organization)] }),
            "severalOrganizations": .bool(names.count > 1),
            "members": .list(members.map { member in
                [
                    "id": .text(member.userID), "name": .text(member.name), "email": .text(member.email),
                    "isSelf": .bool(member.userID == page.access.userID),
                    "roles": .list(Role.allCases.map { ["value": .text($0.rawValue), "selected": .bool($0 == member.role)] }),
                ]
            }),
            // Least privilege first: a new user is a Viewer unless the Admin says otherwise.
            "roles": .list(Role.allCases.reversed().map { ["value": .text($0.rawValue)] }),
            "message": message.map(TemplateValue.text) ?? .bool(false),
            "failed": .bool(failed),
            "minimumPassword": .text(Passwords.minimumLength),
            "emailStatus": try EmailPage.status(page),
        ])
    }
}
