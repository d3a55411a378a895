import Domain
import FastCGI
import Storage

/// The web application on one worker thread: routes a request through the route table, checks
/// the route's access rule, and presents every failure through `ErrorPresentation`.
public final class ConsoleHandler: RequestHandler {
    let configuration: WebConfiguration
    let database: Database

    let router: Router

    public init(configuration: WebConfiguration) throws {
        self.configuration = configuration
        self.database = try Database(path: configuration.databasePath, busyTimeoutMilliseconds: configuration.busyTimeoutMilliseconds,
                                     writeGate: configuration.writeGate)
        router = Router(routes: Self.routes + (configuration.testRoutes ? Self.testRoutes : []))
        if configuration.synchronousNormalForBenchmarks { try database.execute("PRAGMA synchronous = NORMAL") }
    }

    public func respond(to request: Request) -> Response {
        do {
            try database.beginRequest()
            defer { database.endRequest() }
            let (route, parameters) = try router.route(request.method, request.path)
            return try route.handle(try context(for: route, parameters, request))
        } catch {
            return errorPage(error, request: request)
        }
    }

    public func refuse(_ refusal: TransportRefusal) -> Response {
        errorPage(refusal, request: Request(method: "POST", path: "/"))
    }

    /// Checks the route's access rule once: the session, the CSRF token of a signed-in POST, and
    /// the permission the rule names.
    func context(for route: Route, _ parameters: PathParameters, _ request: Request) throws -> RouteContext {
        if case .anyone = route.access {
            return RouteContext(handler: self, request: request, parameters: parameters, signedIn: nil, connectionOrganization: nil)
        }
        guard let session = try Accounts(database: database).session(token: request.cookies[SessionCookie.name] ?? "") else {
            if request.isRead { throw RedirectToSignIn(location: "/login?next=" + URLEncoding.encode(request.pathAndQuery)) }
            throw UserError.unauthorized("Your session has ended. Sign in again, then repeat what you were doing.")
        }
        // Every state-changing request carries the session's token, so another site cannot forge it.
        if !request.isRead && request.formValue("csrf") != session.csrfToken {
            throw UserError.forbidden("This form has expired or did not come from this site. Reload the page and try again.")
        }
        let access = session.access
        var organization: Int?
        switch route.access {
        case .anyone, .signedIn:
            break
        case .anyOrganization(let permission):
            guard !access.organizations(allowing: permission).isEmpty else {
                throw UserError.forbidden("Your role does not allow this in any of your organizations.")
            }
        case .connection(let permission):
            organization = try ConnectionInvites(database: database).organization(ofConnection: parameters.id)
            try access.require(permission, onConnection: parameters.id, ownedBy: organization)
        }
        return RouteContext(handler: self, request: request, parameters: parameters,
                            signedIn: Page(handler: self, request: request, session: session), connectionOrganization: organization)
    }

    /// The request's session, if it has a live one: for the navigation of an error page.
    func signedInSession(_ request: Request) throws -> Accounts.Session? {
        guard let token = request.cookies[SessionCookie.name] else { return nil }
        try database.beginRequest()
        defer { database.endRequest() }
        return try Accounts(database: database).session(token: token)
    }

    /// A page read without a session: not a failure, the way to the sign-in form.
    struct RedirectToSignIn: Error {
        let location: String
    }

    /// The page for a failure, or the sign-in redirect of a read without a session. A signed-in
    /// user keeps the console's navigation; a driver's page keeps the driver's plain header.
    func errorPage(_ error: Error, request: Request) -> Response {
        if let redirect = error as? RedirectToSignIn { return .redirect(to: redirect.location) }
        let presentation = ErrorPresentation(error, request: request)
        let driverPage = DriverPages.serves(request.path)
        let session = driverPage ? nil : try? signedInSession(request)
        var response = html(status: presentation.status, page: "error", title: presentation.title, session: session, [
            "status": .text(presentation.status),
            "heading": .text(presentation.title),
            "message": .text(presentation.message),
            "driverPage": .bool(driverPage),
        ])
        response.headers += presentation.headers
        return response
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
        guard handler.configuration.testRoutes,
              let limit = RequestNumber.parse(request.queryValue("_xlsx_row_limit") ?? request.formValue("_xlsx_row_limit"),
                                              in: RequestNumber.smallCounts) else { return ExportSettings.xlsxRowLimit }
        return limit
    }

    /// The organization named by `org` in the query or form, which the user must belong to.
    func organization(_ value: String?, allowing permission: Permission) throws -> Int {
        guard let id = RequestNumber.parse(value, in: RequestNumber.ids) else { throw UserError.badRequest("Choose an organization.") }
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
