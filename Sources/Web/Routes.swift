import Domain
import FastCGI

/// Every page and action of the console: method, path with typed parameters, who may call it.
/// The README's route list is checked against this table by a unit test.
extension ConsoleHandler {
    static let routes: [Route] = [
        Route(["GET"], "/healthz", .anyone) { _ in Response(contentType: "text/plain; charset=utf-8", body: "ok\n") },
        Route(["GET"], "/readyz", .anyone) { Readiness.response($0.handler) },
        Route(["GET", "POST"], "/login", .anyone) { try SignInPage(handler: $0.handler).respond(to: $0.request) },
        // Single sign-on (OpenID Connect): to the organization's provider, and back with its code.
        Route(["GET"], "/login/sso", .anyone) { try SingleSignOnPages(handler: $0.handler).start($0.request) },
        Route(["GET"], "/login/sso/callback", .anyone) { try SingleSignOnPages(handler: $0.handler).callback($0.request) },
        Route(["GET", "POST"], "/join/{token}", .anyone) { try DriverPages(handler: $0.handler).join($0.request, token: $0.parameters.texts["token"] ?? "") },
        Route(["GET"], "/find", .anyone) { try DriverPages(handler: $0.handler).find($0.request) },
        Route(["GET"], "/status/{token}", .anyone) { try DriverPages(handler: $0.handler).status($0.request, token: $0.parameters.texts["token"] ?? "") },
        Route(["POST"], "/status/{token}/again", .anyone) {
            try DriverPages(handler: $0.handler).askAgain($0.request, token: $0.parameters.texts["token"] ?? "")
        },
        // Renewal: the renewal email's status link renews (its secret is the proof).
        Route(["POST"], "/status/{token}/renew", .emailLink) { try RenewalPage(handler: $0.handler).renew(token: $0.parameters.texts["token"] ?? "") },
        Route(["POST"], "/status/{token}/confirm-answers", .emailLink) {
            try RenewalPage(handler: $0.handler).confirmAnswers(token: $0.parameters.texts["token"] ?? "")
        },
        Route(["GET", "POST"], "/confirm/{token}", .emailLink) {
            try EmailLinkPages(handler: $0.handler).confirm($0.request, token: $0.parameters.texts["token"] ?? "")
        },
        Route(["GET", "POST"], "/unsubscribe/{token}", .emailLink) {
            try EmailLinkPages(handler: $0.handler).unsubscribe($0.request, token: $0.parameters.texts["token"] ?? "")
        },
        Route(["GET", "POST"], "/invitation/{token}", .emailLink) {
            try InvitationPages(handler: $0.handler).link($0.request, token: $0.parameters.texts["token"] ?? "")
        },

        Route(["GET"], "/", .signedIn) { .redirect(to: OverviewPage.landing(for: try $0.page.access)) },
        Route(["GET"], "/overview", .signedIn) { try OverviewPage(page: $0.page).respond() },
        Route(["GET"], "/connections", .signedIn) { try ConnectionsPage(page: $0.page).respond() },
        Route(["GET"], "/connections/filter-catalog", .signedIn) { FilterPanel.catalogResponse($0.request) },
        Route(["GET"], "/connections/organizations", .signedIn) { try OrganizationPickerPage(page: $0.page).respond() },
        Route(["POST"], "/connections/columns", .signedIn) { try ColumnsAction(page: $0.page).respond() },
        Route(["POST"], "/connections/density", .signedIn) { try DensityAction(page: $0.page).respond() },
        Route(["POST"], "/connections/views", .signedIn) { try ViewsAction(page: $0.page).respond() },
        Route(["POST"], "/connections/export", .anyOrganization(.export)) { try ExportAction(page: $0.page).respond() },
        Route(["POST"], "/connections/bulk", .signedIn) { try BulkAction(page: $0.page).respond() },
        Route(["POST"], "/connections/bulk/undo", .anyOrganization(.manageConnections)) { try BulkAction(page: $0.page).undo() },
        Route(["GET", "POST"], "/connections/import", .anyOrganization(.manageConnections)) { try ConnectionImportPage(page: $0.page).respond() },
        Route(["GET", "POST"], "/connections/new", .anyOrganization(.manageConnections)) { try ConnectionFormPage(page: $0.page).new() },
        // One connection's page, and the header's search box (results page; JSON for its list with JavaScript).
        Route(["GET"], "/connections/{id:Int}", .connection(.viewConnections)) { try ConnectionPage(page: $0.page).respond(connectionID: $0.parameters.id) },
        Route(["GET"], "/search", .signedIn) { try SearchPage(page: $0.page).respond() },
        Route(["GET"], "/search/suggest", .signedIn) { try SearchPage(page: $0.page).suggest() },
        Route(["GET"], "/connections/{id:Int}/invite", .connection(.inviteDrivers)) {
            try InvitePage(page: $0.page).respond(connectionID: $0.parameters.id)
        },
        Route(["GET"], "/connections/{id:Int}/qr.svg", .connection(.inviteDrivers)) {
            try InvitePage(page: $0.page).qrCode(connectionID: $0.parameters.id, png: false)
        },
        Route(["GET"], "/connections/{id:Int}/qr.png", .connection(.inviteDrivers)) {
            try InvitePage(page: $0.page).qrCode(connectionID: $0.parameters.id, png: true)
        },
        Route(["POST"], "/connections/{id:Int}/invite/email", .connection(.inviteDrivers)) {
            try InviteEmailForm(page: $0.page).respond(connectionID: $0.parameters.id)
        },
        Route(["POST"], "/connections/{id:Int}/rotate", .connection(.rotateCodes)) {
            try InvitePage(page: $0.page).rotate(connectionID: $0.parameters.id)
        },
        Route(["GET"], "/connections/{id:Int}/requests", .connection(.viewConnections)) {
            try RequestsPage(page: $0.page).respond(connectionID: $0.parameters.id)
        },
        Route(["GET", "POST"], "/connections/{id:Int}/edit", .connection(.manageConnections)) {
            try ConnectionFormPage(page: $0.page).edit($0.parameters.id)
        },
        Route(["POST"], "/connections/{id:Int}/status", .connection(.manageConnections)) {
            try ConnectionFormPage(page: $0.page).setStatus($0.parameters.id)
        },
        Route(["POST"], "/connections/{id:Int}/delete", .connection(.manageConnections)) {
            try ConnectionFormPage(page: $0.page).delete($0.parameters.id)
        },
        // A connection's roster out (CSV, XLSX) and in (upload, preview, confirm).
        Route(["GET"], "/connections/{id:Int}/roster.csv", .connection(.export)) {
            try RosterImportPage(page: $0.page).export(connectionID: $0.parameters.id, xlsx: false)
        },
        Route(["GET"], "/connections/{id:Int}/roster.xlsx", .connection(.export)) {
            try RosterImportPage(page: $0.page).export(connectionID: $0.parameters.id, xlsx: true)
        },
        Route(["GET", "POST"], "/connections/{id:Int}/import", .connection(.inviteDrivers)) {
            try RosterImportPage(page: $0.page).respond(connectionID: $0.parameters.id)
        },
        // Memberships that end: a connection's length, and the end of its ticked drivers.
        Route(["POST"], "/connections/{id:Int}/membership-length", .connection(.manageConnections)) {
            try MembershipEndForms(page: $0.page).setLength(connectionID: $0.parameters.id)
        },
        Route(["POST"], "/connections/{id:Int}/expiry", .connection(.decideMemberships)) {
            try MembershipEndForms(page: $0.page).setEnds(connectionID: $0.parameters.id)
        },
        // Renewal: a connection's reminder days, and the renewals its drivers asked for, approved.
        Route(["POST"], "/connections/{id:Int}/renewal-reminders", .connection(.manageConnections)) {
            try MembershipEndForms(page: $0.page).setReminders(connectionID: $0.parameters.id)
        },
        Route(["POST"], "/connections/{id:Int}/reverification", .connection(.manageConnections)) {
            try MembershipEndForms(page: $0.page).setReverification(connectionID: $0.parameters.id)
        },
        Route(["POST"], "/connections/{id:Int}/renew", .connection(.decideMemberships)) {
            try MembershipEndForms(page: $0.page).approveRenewals(connectionID: $0.parameters.id)
        },
        Route(["GET"], "/requests", .signedIn) { try RequestsPage(page: $0.page).respond(connectionID: nil) },
        Route(["POST"], "/requests/decide", .anyOrganization(.decideMemberships)) { try RequestsPage(page: $0.page).decide() },
        Route(["GET", "POST"], "/users", .anyOrganization(.manageUsers)) { try UsersPage(page: $0.page).respond() },
        Route(["GET"], "/audit", .anyOrganization(.viewAudit)) { try AuditPage(page: $0.page).respond() },
        Route(["GET"], "/email", .anyOrganization(.manageUsers)) { try EmailPage(page: $0.page).respond() },
        Route(["POST"], "/email/retry", .anyOrganization(.manageUsers)) { try EmailPage(page: $0.page).retry() },
        Route(["POST"], "/email/settings", .anyOrganization(.manageUsers)) { try EmailSettingsForm(page: $0.page).save() },
        Route(["POST"], "/email/test", .anyOrganization(.manageUsers)) { try EmailSettingsForm(page: $0.page).test() },
        Route(["GET", "POST"], "/sso", .anyOrganization(.manageUsers)) { try SignOnSettingsPage(page: $0.page).respond() },
        Route(["GET", "POST"], "/invitations", .signedIn) { try InvitationPages(handler: $0.handler).pending($0.page) },
        Route(["GET", "POST"], "/account/email", .signedIn) { try AccountEmailPage(page: $0.page).respond() },
        Route(["GET", "POST"], "/account/tokens", .signedIn) { try APITokensPage(page: $0.page).respond() },
        Route(["POST"], "/account/tokens/{id:Int}/revoke", .signedIn) { try APITokensPage(page: $0.page).revoke($0.parameters.id) },
        Route(["GET", "POST"], "/webhooks", .anyOrganization(.manageWebhooks)) { try WebhooksPage(page: $0.page).respond() },
        Route(["GET", "POST"], "/webhooks/{id:Int}", .anyOrganization(.manageWebhooks)) { context in
            let page = WebhooksPage(page: try context.page)
            return try page.page.request.isRead ? page.detail(context.parameters.id) : page.act(context.parameters.id)
        },

        // The JSON API: the same rules, with an API token; each route's operation makes its part of the OpenAPI document.
        Route("GET", "/api/v1/openapi.json", .api(.anyone), .openAPI) { _ in OpenAPIDocument.response },
        Route("GET", "/api/v1/connections", .api(.signedIn), .listConnections) { try APIConnections(call: $0.api).list() },
        Route("POST", "/api/v1/connections", .api(.anyOrganization(.manageConnections)), .createConnection) { try APIConnections(call: $0.api).create() },
        Route("POST", "/api/v1/connections/import", .api(.anyOrganization(.manageConnections)), .importConnections) {
            try APIConnectionImport(call: $0.api).respond()
        },
        Route("GET", "/api/v1/connections/export.csv", .api(.anyOrganization(.export)), .exportCSV) { try APIConnections(call: $0.api).export(.csv) },
        Route("GET", "/api/v1/connections/export.ndjson", .api(.anyOrganization(.export)), .exportNDJSON) { try APIConnections(call: $0.api).export(.ndjson) },
        Route("GET", "/api/v1/connections/{id:Int}", .api(.connection(.viewConnections)), .getConnection) { try APIConnections(call: $0.api).show() },
        Route("PATCH", "/api/v1/connections/{id:Int}", .api(.connection(.manageConnections)), .updateConnection) { try APIConnections(call: $0.api).update() },
        Route("POST", "/api/v1/connections/{id:Int}/enable", .api(.connection(.manageConnections)), .enableConnection) {
            try APIConnections(call: $0.api).setStatus(.enabled)
        },
        Route("POST", "/api/v1/connections/{id:Int}/disable", .api(.connection(.manageConnections)), .disableConnection) {
            try APIConnections(call: $0.api).setStatus(.disabled)
        },
        Route("POST", "/api/v1/connections/{id:Int}/rotate", .api(.connection(.rotateCodes)), .rotateInvite) { try APIConnections(call: $0.api).rotate() },
        Route("GET", "/api/v1/connections/{id:Int}/memberships", .api(.connection(.viewConnections)), .listConnectionMemberships) {
            try APIMemberships(call: $0.api).list(connectionID: $0.parameters.id)
        },
        Route("POST", "/api/v1/connections/{id:Int}/memberships/import", .api(.connection(.inviteDrivers)), .importMemberships) {
            try APIRosterImport(call: $0.api).respond(connectionID: $0.parameters.id)
        },
        Route("GET", "/api/v1/memberships", .api(.signedIn), .listMemberships) { try APIMemberships(call: $0.api).list(connectionID: nil) },
        Route("POST", "/api/v1/memberships/decide", .api(.anyOrganization(.decideMemberships)), .decideMemberships) { try APIMemberships(call: $0.api).decide() },
        Route("GET", "/api/v1/views", .api(.signedIn), .listViews) { try APIViews(call: $0.api).list() },
        Route("POST", "/api/v1/memberships/expiry", .api(.anyOrganization(.decideMemberships)), .setMembershipExpiry) {
            try APIMemberships(call: $0.api).setExpiry()
        },
        Route("GET", "/api/v1/audit", .api(.anyOrganization(.viewAudit)), .listAudit) { try APIAudit(call: $0.api).list() },
        Route("GET", "/api/v1/overview", .api(.signedIn), .readOverview) { try APIOverview(call: $0.api).read() },

        // SCIM 2.0 for an organization's identity provider: its own bearer token, SCIM error bodies (SCIMService).
        Route(["GET", "POST", "PUT", "PATCH", "DELETE"], "/scim/v2/{resource}", .scimToken) {
            SCIMService(handler: $0.handler, request: $0.request).respond(resource: $0.parameters.texts["resource"] ?? "", id: nil)
        },
        Route(["GET", "POST", "PUT", "PATCH", "DELETE"], "/scim/v2/{resource}/{id}", .scimToken) {
            SCIMService(handler: $0.handler, request: $0.request).respond(resource: $0.parameters.texts["resource"] ?? "", id: $0.parameters.texts["id"])
        },
        Route(["GET", "POST"], "/directory", .anyOrganization(.manageUsers)) { try DirectorySyncPage(page: $0.page).respond() },
        // Webhooks (issue 27).
        Route("GET", "/api/v1/webhooks", .api(.anyOrganization(.manageWebhooks)), .listWebhooks) { try APIWebhooks(call: $0.api).list() },
        Route("POST", "/api/v1/webhooks", .api(.anyOrganization(.manageWebhooks)), .createWebhook) { try APIWebhooks(call: $0.api).create() },
        Route("GET", "/api/v1/webhooks/{id:Int}", .api(.anyOrganization(.manageWebhooks)), .getWebhook) { try APIWebhooks(call: $0.api).show() },
        Route("DELETE", "/api/v1/webhooks/{id:Int}", .api(.anyOrganization(.manageWebhooks)), .deleteWebhook) { try APIWebhooks(call: $0.api).change(.delete) },
        Route("GET", "/api/v1/webhooks/{id:Int}/deliveries", .api(.anyOrganization(.manageWebhooks)), .listWebhookDeliveries) {
            try APIWebhooks(call: $0.api).deliveries()
        },
        Route("POST", "/api/v1/webhooks/{id:Int}/enable", .api(.anyOrganization(.manageWebhooks)), .enableWebhook) { try APIWebhooks(call: $0.api).change(.enable) },
        Route("POST", "/api/v1/webhooks/{id:Int}/pause", .api(.anyOrganization(.manageWebhooks)), .pauseWebhook) { try APIWebhooks(call: $0.api).change(.pause) },
        Route("POST", "/api/v1/webhooks/{id:Int}/rotate", .api(.anyOrganization(.manageWebhooks)), .rotateWebhookSecret) { try APIWebhooks(call: $0.api).rotate() },
        Route("POST", "/api/v1/webhooks/{id:Int}/test", .api(.anyOrganization(.manageWebhooks)), .testWebhook) { try APIWebhooks(call: $0.api).change(.sendTest) },
        Route("POST", "/api/v1/webhooks/{id:Int}/resend", .api(.anyOrganization(.manageWebhooks)), .resendWebhook) { try APIWebhooks(call: $0.api).resend() },

        Route(["POST"], "/logout", .signedIn) { context in
            let page = try context.page
            try Accounts(database: page.database).signOut(page.session)
            var response = Response.redirect(to: "/login")
            response.headers.append(("Set-Cookie", SessionCookie.clear(secure: page.request.isHTTPS)))
            return response
        },
    ]

    /// Served only by the test build, with `serve --test-routes` (`TestHooks`).
    static func testRoutes(_ hooks: any TestHooks) -> [Route] {
        [Route(["GET", "POST"], "/_test/{action}", .anyone) {
            try hooks.respond(to: $0.request, action: $0.parameters.texts["action"] ?? "", database: $0.handler.database)
        }]
    }

    /// The README's list of routes, one table row each.
    static var routeDocumentation: String {
        (["| method | path | who may call it |", "|---|---|---|"] + routes.map { route in
            "| \(route.methods.joined(separator: ", ")) | `\(route.path)` | \(route.access.documentation) |"
        }).joined(separator: "\n")
    }
}

extension AccessRule {
    var documentation: String {
        switch self {
        case .anyone: return "anyone (forms: a token paired with a cookie)"
        case .emailLink: return "anyone with the emailed link (its secret is the proof)"
        case .scimToken: return "an organization's SCIM token (Bearer), made on /directory"
        case .signedIn: return "signed in (POST: the session's CSRF token)"
        case .anyOrganization(let permission): return "signed in, \(permission.documentation) in some organization"
        case .connection(let permission): return "signed in, \(permission.documentation) in the connection's organization"
        case .api(.anyone): return "anyone"
        case .api(let rule):
            let caller = "API token (GET: or a session)"
            switch rule {
            case .anyOrganization(let permission): return "\(caller), \(permission.documentation) in some organization"
            case .connection(let permission): return "\(caller), \(permission.documentation) in the connection's organization"
            default: return caller
            }
        }
    }
}

extension Permission {
    var documentation: String {
        switch self {
        case .viewConnections: return "may view connections"
        case .export: return "may export"
        case .inviteDrivers: return "may invite drivers"
        case .decideMemberships: return "may decide on requests"
        case .manageConnections: return "may manage connections"
        case .rotateCodes: return "may rotate codes"
        case .manageUsers: return "may manage users"
        case .viewAudit: return "may read the audit log"
        case .manageWebhooks: return "may manage webhooks"
        case .shareViews: return "may share views"
        }
    }
}
