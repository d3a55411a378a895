import Domain
import FastCGI
import Storage

/// The web application on one worker thread: routes a request to its page, checks the
/// session and the CSRF token, and turns errors into pages with the right status.
public final class ConsoleHandler: RequestHandler {
    let configuration: WebConfiguration
    let database: Database

    public init(configuration: WebConfiguration) throws {
        self.configuration = configuration
        self.database = try Database(path: configuration.databasePath)
    }

    public func respond(to request: Request) throws -> Response {
        try database.beginRequest()
        defer { database.endRequest() }
        do {
            return try route(request)
        } catch let error as UserError {
            return errorResponse(status: ErrorStatus.status(for: error), message: error.message)
        } catch let error as MethodNotAllowed {
            var response = errorResponse(status: 405, message: "\(error.method) is not allowed here.")
            response.headers.append(("Allow", error.allowed))
            return response
        }
    }

    func route(_ request: Request) throws -> Response {
        let segments = request.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        // Pages anyone may open.
        switch segments.first ?? "" {
        case "healthz" where segments.count == 1:
            return Response(contentType: "text/plain; charset=utf-8", body: "ok\n")
        case "login" where segments.count == 1:
            return try SignInPage(handler: self).respond(to: request)
        case "join" where segments.count == 2:
            return try DriverPages(handler: self).join(request, token: segments[1])
        case "find" where segments.count == 1:
            try allow(request, read: true)
            return try DriverPages(handler: self).find(request)
        case "status" where segments.count == 2:
            try allow(request, read: true)
            return try DriverPages(handler: self).status(token: segments[1])
        case "_test" where segments.count == 2 && configuration.testRoutes:
            return try TestRoutes.respond(to: request, action: segments[1])
        default:
            break
        }
        guard let session = try Accounts(database: database).session(token: request.cookies[SessionCookie.name] ?? "") else {
            if request.isRead { return .redirect(to: "/login?next=" + URLEncoding.encode(request.pathAndQuery)) }
            throw UserError.unauthorized("Your session has ended. Sign in again, then repeat what you were doing.")
        }
        if !request.isRead {
            // Every state-changing request carries the session's token, so another site cannot forge it.
            guard request.formValue("csrf") == session.csrfToken else {
                throw UserError.forbidden("This form has expired or did not come from this site. Reload the page and try again.")
            }
        }
        let page = Page(handler: self, request: request, session: session)
        switch segments.joined(separator: "/") {
        case "":
            try allow(request, read: true)
            return .redirect(to: "/connections")
        case "connections":
            try allow(request, read: true)
            return try ConnectionsPage(page: page).respond()
        case "connections/export":
            try allow(request, read: false)
            return try ExportAction(page: page).respond()
        case "connections/bulk":
            try allow(request, read: false)
            return try BulkAction(page: page).respond()
        case "connections/new":
            return try ConnectionFormPage(page: page).new()
        case "connections/columns":
            try allow(request, read: false)
            return try ColumnsAction(page: page).respond()
        case "connections/filter-catalog":
            try allow(request, read: true)
            return FilterPanel.catalogResponse()
        case "connections/organizations":
            try allow(request, read: true)
            return try OrganizationPickerPage(page: page).respond()
        case "requests":
            try allow(request, read: true)
            return try RequestsPage(page: page).respond(connectionID: nil)
        case "requests/decide":
            try allow(request, read: false)
            return try RequestsPage(page: page).decide()
        case let path where segments.count == 3 && segments[0] == "connections":
            guard let id = Int(segments[1]) else { throw UserError.notFound("There is no connection at /\(path.prefix(200)).") }
            switch segments[2] {
            case "invite":
                try allow(request, read: true)
                return try InvitePage(page: page).respond(connectionID: id)
            case "requests":
                try allow(request, read: true)
                return try RequestsPage(page: page).respond(connectionID: id)
            case "qr.svg", "qr.png":
                try allow(request, read: true)
                return try InvitePage(page: page).qrCode(connectionID: id, png: segments[2] == "qr.png")
            case "rotate":
                try allow(request, read: false)
                return try InvitePage(page: page).rotate(connectionID: id)
            case "edit":
                return try ConnectionFormPage(page: page).edit(id)
            case "status":
                try allow(request, read: false)
                return try ConnectionFormPage(page: page).setStatus(id)
            case "delete":
                try allow(request, read: false)
                return try ConnectionFormPage(page: page).delete(id)
            default:
                throw UserError.notFound("There is no page at \(request.path.prefix(200)).")
            }
        case "logout":
            try allow(request, read: false)
            try Accounts(database: database).signOut(session)
            var response = Response.redirect(to: "/login")
            response.headers.append(("Set-Cookie", SessionCookie.clear(secure: request.isHTTPS)))
            return response
        case "users":
            return try UsersPage(page: page).respond()
        case "audit":
            try allow(request, read: true)
            return try AuditPage(page: page).respond()
        default:
            throw UserError.notFound("There is no page at \(request.path.prefix(200)).")
        }
    }

    /// Read pages answer GET and HEAD; actions answer POST.
    private func allow(_ request: Request, read: Bool) throws {
        guard request.isRead == read else { throw MethodNotAllowed(method: request.method, allowed: read ? "GET, HEAD" : "POST") }
    }

    struct MethodNotAllowed: Error {
        let method: String
        let allowed: String
    }

    public func errorResponse(status: Int, message: String) -> Response {
        html(status: status, page: "error", title: ErrorStatus.title(for: status), session: nil, [
            "status": .text(status),
            "heading": .text(ErrorStatus.title(for: status)),
            "message": .text(message),
        ])
    }

    /// Renders a page inside the layout; the context's values are escaped by the templates.
    func html(status: Int = 200, page: String, title: String, session: Accounts.Session?, _ context: [String: TemplateValue]) -> Response {
        var context = context
        context["title"] = .text(title)
        context["on" + page.prefix(1).uppercased() + page.dropFirst()] = .bool(true)
        context["assetVersion"] = .text(configuration.assetVersion)
        if let session {
            let access = session.access
            context["user"] = [
                "name": .text(access.name), "email": .text(access.email), "csrf": .text(session.csrfToken),
                "isAdmin": .bool(!access.organizations(allowing: .manageUsers).isEmpty),
            ]
        }
        let body = configuration.views.render(page, .object(context.map { ($0.key, $0.value) }))
        return Response(status: status, headers: [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store")],
                        body: .bytes(body))
    }
}

/// One signed-in request, as the pages see it.
struct Page {
    let handler: ConsoleHandler
    let request: Request
    let session: Accounts.Session

    var access: Access { session.access }
    var database: Database { handler.database }

    func html(status: Int = 200, _ template: String, title: String, _ context: [String: TemplateValue]) -> Response {
        handler.html(status: status, page: template, title: title, session: session, context)
    }

    /// Excel's row limit; the end-to-end tests lower it (with --test-routes) to see the limit at work.
    var xlsxRowLimit: Int {
        guard handler.configuration.testRoutes, let asked = request.queryValue("_xlsx_row_limit") ?? request.formValue("_xlsx_row_limit"),
              let limit = Int(asked) else { return ExportSettings.xlsxRowLimit }
        return limit
    }

    /// The organization named by `org` in the query or form, which the user must belong to.
    func organization(_ value: String?, allowing permission: Permission) throws -> Int {
        guard let value, let id = Int(value) else { throw UserError.badRequest("Choose an organization.") }
        try access.require(permission, in: id)
        return id
    }
}

enum SessionCookie {
    static let name = "session"

    static func set(_ token: String, secure: Bool) -> String {
        "\(name)=\(token); Path=/; HttpOnly; SameSite=Lax; Max-Age=\(Int(Accounts.absoluteTimeout))" + (secure ? "; Secure" : "")
    }

    static func clear(secure: Bool) -> String {
        "\(name)=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0" + (secure ? "; Secure" : "")
    }
}

extension Request {
    var isRead: Bool { method == "GET" || method == "HEAD" }
    var pathAndQuery: String { queryString.isEmpty ? path : path + "?" + queryString }
}
