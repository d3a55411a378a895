import Domain
import FastCGI
import Observability
import Storage

/// The web application on one worker thread: routes a request through the route table, checks
/// the route's access rule, and presents every failure through `ErrorPresentation`.
public final class ConsoleHandler: RequestHandler {
    let configuration: WebConfiguration
    let database: Database

    let router: Router
    /// Signs the tokens of forms shown before any session exists.
    let formSignature: FormSignature

    public init(configuration: WebConfiguration) throws {
        self.configuration = configuration
        self.database = try Database(location: configuration.database, busyTimeoutMilliseconds: configuration.busyTimeoutMilliseconds,
                                     statementTimeoutMilliseconds: configuration.statementTimeoutMilliseconds, writeGate: configuration.writeGate)
        formSignature = try FormSignature(database: database)
        router = Router(routes: Self.routes + (configuration.testHooks.map(Self.testRoutes) ?? []))
        if configuration.synchronousNormalForBenchmarks && database.dialect == .sqlite { try database.execute("PRAGMA synchronous = NORMAL") }
    }

    public func respond(to request: Request) -> Response {
        let started = ContinuousClock.now
        database.logger = request.logger
        var served = RequestRecord(request: request)
        let response = answer(request, recording: &served)
        served.finish(status: response.status, duration: ContinuousClock.now - started)
        database.logger = Logs.process
        return response
    }

    private func answer(_ request: Request, recording served: inout RequestRecord) -> Response {
        do {
            try database.beginRequest()
            defer { database.endRequest() }
            let (route, parameters) = try router.route(request.method, request.path)
            served.route = route.path
            let context = try context(for: route, parameters, request)
            served.userID = context.signedIn?.access.userID ?? context.caller?.userID
            served.organizationID = context.connectionOrganization
            let response = try route.handle(context)
            // A page's state sent back as an address (a filter removed, columns chosen) can outgrow the
            // address it came from when encoded again; past what nginx holds it would be nginx's 502.
            if let location = response.headers.first(where: { $0.name == "Location" })?.value, location.utf8.count > Self.longestRedirect {
                throw TransportRefusal.addressTooLong(limit: Self.longestRedirect)
            }
            return response
        } catch {
            return errorPage(error, request: request)
        }
    }

    /// The longest `Location` sent: the request line's bound (32 KiB), well within nginx's
    /// fastcgi_buffer_size (64 KiB) with the other headers.
    static let longestRedirect = ServerConfiguration.maxAddressBytes

    public func refuse(_ refusal: TransportRefusal, request: Request) -> Response {
        let response = errorPage(refusal, request: request)
        RequestRecord(request: request).finish(status: response.status, duration: .zero)
        return response
    }

    /// Checks the route's access rule once: the session, the CSRF token of a signed-in POST, and
    /// the permission the rule names.
    func context(for route: Route, _ parameters: PathParameters, _ request: Request) throws -> RouteContext {
        switch route.access {
        case .api(let rule):
            let context = try apiContext(rule, parameters, request)
            try route.operation?.checkQuery(request.query)
            return context
        case .anyone, .emailLink, .scimToken:
            return RouteContext(handler: self, request: request, parameters: parameters, signedIn: nil, connectionOrganization: nil)
        case .signedIn, .anyOrganization, .connection:
            break
        }
        guard let session = try Accounts(database: database).session(token: request.cookies[SessionCookie.name] ?? "") else {
            if request.isRead { throw RedirectToSignIn(location: ReturnPath.signIn(returningTo: request.pathAndQuery)) }
            throw UserError.unauthorized("Your session has ended. Sign in again, then repeat what you were doing.")
        }
        // Every state-changing request carries the session's token, so another site cannot forge it.
        if !request.isRead && !Secret.matches(request.formValue("csrf") ?? "", session.csrfToken) {
            throw UserError.forbidden("This form has expired or did not come from this site. Reload the page and try again.")
        }
        return RouteContext(handler: self, request: request, parameters: parameters,
                            signedIn: Page(handler: self, request: request, session: session),
                            connectionOrganization: try permit(route.access, session.access, parameters))
    }

    /// The permission part of a rule, the same for the console and the API; returns the
    /// organization of the path's connection for `.connection` rules.
    func permit(_ rule: AccessRule, _ access: Access, _ parameters: PathParameters) throws -> Int? {
        switch rule {
        case .anyone, .emailLink, .signedIn, .scimToken:
            return nil
        case .anyOrganization(let permission):
            guard !access.organizations(allowing: permission).isEmpty else {
                throw UserError.forbidden("Your role does not allow this in any of your organizations.")
            }
            return nil
        case .connection(let permission):
            let organization = try ConnectionInvites(database: database).organization(ofConnection: parameters.id)
            try access.require(permission, onConnection: parameters.id, ownedBy: organization)
            return organization
        case .api(let inner):
            return try permit(inner, access, parameters)
        }
    }

    /// An API call's caller: its bearer token (rate-limited per token), or for a read a session
    /// cookie; a change with only a cookie is refused, so that no other site can make one.
    func apiContext(_ rule: AccessRule, _ parameters: PathParameters, _ request: Request) throws -> RouteContext {
        if case .anyone = rule {
            return RouteContext(handler: self, request: request, parameters: parameters, signedIn: nil, connectionOrganization: nil)
        }
        let access: Access
        if let bearer = APICall.bearerToken(request) {
            guard let (tokenAccess, tokenID) = try APITokens(database: database).access(token: bearer) else {
                throw UserError.unauthorized("This API token is not valid: it is mistyped, revoked or expired. Make a new one at /account/tokens.")
            }
            try configuration.apiRateLimit.take(tokenID: tokenID, database: database)
            access = tokenAccess
        } else if request.isRead, let session = try Accounts(database: database).session(token: request.cookies[SessionCookie.name] ?? "") {
            access = session.access
        } else if !request.isRead && request.cookies[SessionCookie.name] != nil {
            throw UserError.unauthorized("Changes through the API need an API token (Authorization: Bearer …); a signed-in browser's cookie is not enough.")
        } else {
            throw UserError.unauthorized(APICall.noToken)
        }
        return RouteContext(handler: self, request: request, parameters: parameters, signedIn: nil,
                            connectionOrganization: try permit(rule, access, parameters), caller: access)
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

    /// The page (or, for the API, the problem details) of a failure, or the sign-in redirect of a
    /// read without a session.
    func errorPage(_ error: Error, request: Request) -> Response {
        if let redirect = error as? RedirectToSignIn { return .redirect(to: redirect.location) }
        if request.path.hasPrefix(SCIMService.prefix + "/") { return SCIMService.failure(error, request: request) }
        return ErrorPresentation(error, request: request).response(handler: self, request: request, api: Route.isAPI(request.path))
    }

    /// Renders a page inside the layout; the context's values are escaped by the templates.
    func html(status: Int = 200, page: PageTemplate, title: String, session: Accounts.Session?, _ context: [String: TemplateValue]) -> Response {
        var context = context
        context["title"] = .text(title)
        // A title names the page, then where it is: the organization a page is about, the host of a
        // driver's page, or the console ("Connections - Acme Robotics", not "Connections · Connections").
        if context["titleContext"] == nil {
            let host = context["driverPage"].flatMap { $0.field("host") }
            context["titleContext"] = host ?? .text(context["driverPage"]?.isTruthy == true ? "EV charging" : "Driver Management")
        }
        context["on" + page.rawValue.prefix(1).uppercased() + page.rawValue.dropFirst()] = .bool(true)
        context["assetVersion"] = .text(configuration.assetVersion)
        if let session {
            let access = session.access
            context["user"] = [
                "name": .text(access.name), "email": .text(access.email), "csrf": .text(session.csrfToken),
                "isAdmin": .bool(!access.organizations(allowing: .manageUsers).isEmpty),
            ]
        }
        let body = configuration.views.render(page.rawValue, .object(context.map { ($0.key, $0.value) }))
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

    func html(status: Int = 200, _ template: PageTemplate, title: String, _ context: [String: TemplateValue]) -> Response {
        var context = context
        // The navigation's "Requests 1,064": what waits where the user may look. A count that fails shows no count, not an error.
        if let waiting = try? RequestQueue(database: database).waiting(organizations: access.organizations(allowing: .viewConnections)), waiting > 0 {
            context["requestsWaiting"] = .text(Format.integer(waiting))
        }
        return handler.html(status: status, page: template, title: title, session: session, context)
    }

    var xlsxRowLimit: Int { ExportAction(page: self).xlsxRowLimit }

    /// The organization named by `org` in the query or form, which the user must belong to.
    func organization(_ value: String?, allowing permission: Permission) throws -> Int {
        try access.organization(value, allowing: permission)
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
