import Domain
import FastCGI

/// /sso?org=ID: an organization's Admin sets up single sign-on (OpenID Connect): the issuer, the
/// client id and secret (write-only: left empty it keeps the saved one), the role mapping, and
/// whether single sign-on is required. The page names the redirect URI to register at the provider.
struct SignOnSettingsPage {
    let page: Page

    func respond() throws -> Response {
        let requested = page.request.isRead ? page.request.queryValue("org") : page.request.formValue("org")
        let organization = try page.organization(requested ?? page.access.organizations(allowing: .manageUsers).first.map(String.init), allowing: .manageUsers)
        guard !page.request.isRead else { return try show(organization, status: 200) }
        guard let key = page.handler.configuration.installationKey else {
            throw UserError.conflict("This installation has no key to seal settings with: start the app with serve, which makes one.")
        }
        let settings = SignOnSettings(database: page.database)
        if page.request.formValue("action") == "check" {
            do {
                let found = try SingleSignOn(database: page.database, key: key).check(organization: organization)
                guard found.keys > 0 else {
                    throw UserError.conflict("The provider answered, but publishes no RS256 or ES256 signing key this app can use: no sign-in can work.")
                }
                return try show(organization, status: 200, message: "The provider answers: sign-in goes to \(found.authorization), "
                                + "\(found.keys) signing key\(found.keys == 1 ? "" : "s") to check ID tokens with.")
            } catch {
                if case UserError.notFound = error { throw error }
                let failure = ErrorPresentation(error, request: page.request)
                var response = try show(organization, status: failure.status, failed: failure.message)
                response.headers += failure.headers
                return response
            }
        }
        if page.request.formValue("action") == "remove" {
            try settings.remove(organization: organization, by: page.access)
            return try show(organization, status: 200, message: "Single sign-on is off: this organization's users sign in with their passwords.")
        }
        var values = SignOnSettings.Values()
        values.issuer = page.request.formValue("issuer") ?? ""
        values.clientID = page.request.formValue("client_id") ?? ""
        values.clientSecret = page.request.formValue("client_secret") ?? ""
        values.roleClaim = page.request.formValue("role_claim") ?? ""
        values.roleMapping = page.request.formValue("role_mapping") ?? ""
        values.required = page.request.formValue("required") == "on"
        let problems = try settings.save(values, organization: organization, key: key, by: page.access)
        guard problems.isEmpty else {
            values.clientSecret = ""
            return try show(organization, status: 400, values: values, problems: problems)
        }
        return try show(organization, status: 200, message: "Single sign-on settings saved: sign in with them from the sign-in page to test them.")
    }

    private func show(_ organization: Int, status: Int, values: SignOnSettings.Values? = nil, problems: [String: String] = [:],
                      message: String? = nil, failed: String? = nil) throws -> Response {
        let names = try Accounts(database: page.database).organizationNames(for: page.access, allowing: .manageUsers)
        var saved: SignOnSettings.Saved?, unreadable: String?
        if let key = page.handler.configuration.installationKey {
            do { saved = try SignOnSettings(database: page.database).saved(organization: organization, key: key) } catch let error as UserError { unreadable = error.message }
        }
        let shown = values ?? saved?.values ?? SignOnSettings.Values()
        func problem(_ field: String) -> TemplateValue { problems[field].map(TemplateValue.text) ?? false }
        return page.html(status: status, .sso, title: "Single sign-on", [
            "organization": .text(organization),
            "organizationName": .text(names.first { $0.id == organization }?.name ?? ""),
            "organizations": .list(names.map { ["id": .text($0.id), "name": .text($0.name), "selected": .bool($0.id == organization)] }),
            "severalOrganizations": .bool(names.count > 1),
            "message": message.map(TemplateValue.text) ?? false,
            "problem": failed.map(TemplateValue.text) ?? false,
            "unreadable": unreadable.map(TemplateValue.text) ?? false,
            "hasProblems": .bool(!problems.isEmpty),
            "redirectURI": .text(SingleSignOnPages.redirectURI(page.handler)),
            "issuer": .text(shown.issuer), "issuerProblem": problem("issuer"),
            "clientID": .text(shown.clientID), "clientIDProblem": problem("clientID"),
            "hasSecret": .bool(saved?.values.clientSecret.isEmpty == false), "clientSecretProblem": problem("clientSecret"),
            "roleClaim": .text(shown.roleClaim), "roleClaimProblem": problem("roleClaim"),
            "roleMapping": .text(shown.roleMapping), "roleMappingProblem": problem("roleMapping"),
            "required": .bool(shown.required),
            "savedAt": saved.map { .text(DateText.display($0.updatedAt)) } ?? false,
        ])
    }
}
