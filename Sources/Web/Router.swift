import Domain
import FastCGI

/// One segment of a route's path: a literal, or a typed parameter (`{id:Int}`, `{token}`).
enum PathSegment: Equatable, Sendable {
    case literal(String)
    case integer(String)
    case text(String)

    /// Tokens in paths are short; a longer segment cannot name anything.
    static let longestText = 128
}

/// The parameters a matched path carried, already typed.
struct PathParameters {
    var integers: [String: Int] = [:]
    var texts: [String: String] = [:]

    /// The `{id:Int}` of the path; routes that name one always have it.
    var id: Int { integers["id"] ?? 0 }
}

/// Who may call a route. The context builder checks it once, before the route's handler runs.
enum AccessRule: Sendable {
    /// Anyone: public pages. Their POST forms carry a token paired with a cookie (double submit).
    case anyone
    /// An organization's identity provider with its SCIM token, which `SCIMService` checks.
    case scimToken
    /// Anyone holding a link from an email: the secret in its path (256 random bits, sent only to
    /// that address) is the proof, so its forms carry no cookie (a mail program's one-click
    /// unsubscribe has none).
    case emailLink
    /// A signed-in user; a POST carries the session's CSRF token.
    case signedIn
    /// Signed in, with the permission in at least one of the user's organizations.
    case anyOrganization(Permission)
    /// Signed in, with the permission in the organization of the path's `{id}` connection.
    /// Another organization's connection and a missing one get the same 404.
    case connection(Permission)
    /// An API call: an API token (`Authorization: Bearer`) acting with its user's roles, then the
    /// rule given. A session cookie alone will do for reading, never for a change, so another
    /// site cannot forge one. Failures are problem details (JSON), never pages.
    indirect case api(AccessRule)
}

/// A route: methods, a path with typed parameters, an access rule, and its handler.
struct Route: Sendable {
    /// "GET" (which answers HEAD too), "POST", and for the API "PATCH".
    let methods: [String]
    let path: String
    let segments: [PathSegment]
    let access: AccessRule
    /// What an API route declares for the OpenAPI document; nil for the console's pages.
    let operation: APIOperation?
    let handle: @Sendable (RouteContext) throws -> Response

    init(_ methods: [String], _ path: String, _ access: AccessRule, _ handle: @escaping @Sendable (RouteContext) throws -> Response) {
        self.init(methods, path, access, operation: nil, handle)
    }

    /// An API route: one method, one operation.
    init(_ method: String, _ path: String, _ access: AccessRule, _ operation: APIOperation,
         _ handle: @escaping @Sendable (RouteContext) throws -> Response) {
        self.init([method], path, access, operation: operation, handle)
    }

    private init(_ methods: [String], _ path: String, _ access: AccessRule, operation: APIOperation?,
                 _ handle: @escaping @Sendable (RouteContext) throws -> Response) {
        self.methods = methods
        self.path = path
        self.access = access
        self.operation = operation
        self.handle = handle
        segments = path.split(separator: "/").map { part in
            guard part.hasPrefix("{"), part.hasSuffix("}") else { return .literal(String(part)) }
            let name = part.dropFirst().dropLast()
            return name.hasSuffix(":Int") ? .integer(String(name.dropLast(4))) : .text(String(name))
        }
    }

    /// The API's routes (and any path under it, even one no route has) answer with JSON, failures too.
    static let apiPrefix = "/api/"

    static func isAPI(_ path: String) -> Bool { path.hasPrefix(apiPrefix) }

    /// The methods for an Allow header: GET brings HEAD.
    var allowed: [String] { methods.flatMap { $0 == "GET" ? ["GET", "HEAD"] : [$0] } }

    func answers(_ method: String) -> Bool { allowed.contains(method) }

    /// The typed parameters, when `parts` is this route's path; nil when it is not (a
    /// non-number or out-of-range `{id:Int}` does not match, so it ends as a 404).
    func match(_ parts: [Substring]) -> PathParameters? {
        guard parts.count == segments.count else { return nil }
        var parameters = PathParameters()
        for (part, segment) in zip(parts, segments) {
            switch segment {
            case .literal(let literal):
                guard part == literal else { return nil }
            case .integer(let name):
                guard let value = RequestNumber.parse(part, in: RequestNumber.ids) else { return nil }
                parameters.integers[name] = value
            case .text(let name):
                guard part.utf8.count <= PathSegment.longestText else { return nil }
                parameters.texts[name] = String(part)
            }
        }
        return parameters
    }
}

/// Finds the route for a method and path: 404 for a path no route has, 405 (with the methods
/// it answers) for a known path asked with another method.
struct Router {
    let routes: [Route]

    func route(_ method: String, _ path: String) throws -> (Route, PathParameters) {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        var allowed: [String] = []
        for route in routes {
            guard let parameters = route.match(parts) else { continue }
            if route.answers(method) { return (route, parameters) }
            allowed += route.allowed
        }
        guard allowed.isEmpty else { throw MethodNotAllowed(method: method, allowed: allowed.joined(separator: ", ")) }
        throw UserError.notFound("There is no page at \(path.prefix(200)).")
    }
}

/// One request on its way to a route's handler, with what the context builder checked.
struct RouteContext {
    let handler: ConsoleHandler
    let request: Request
    let parameters: PathParameters
    /// The signed-in user's page, for every route but the public ones.
    let signedIn: Page?
    /// For `.connection` routes: the organization of the path's connection.
    let connectionOrganization: Int?
    /// For API routes: who calls, with which token.
    var caller: Access? = nil

    /// The page of a route whose rule needs a session; the builder made sure there is one.
    var page: Page {
        get throws {
            guard let signedIn else { throw UserError.unauthorized("Sign in first.") }
            return signedIn
        }
    }

    /// The call of an API route; the builder checked its token and rule.
    var api: APICall {
        get throws {
            guard let caller else { throw UserError.unauthorized(APICall.noToken) }
            return APICall(handler: handler, request: request, access: caller, parameters: parameters)
        }
    }
}
