import Domain
import FastCGI
import Storage

/// The web application on one worker thread: routes a request to its page and
/// turns errors into pages with the right status.
public final class ConsoleHandler: RequestHandler {
    let configuration: WebConfiguration
    let database: Database

    public init(configuration: WebConfiguration) throws {
        self.configuration = configuration
        self.database = try Database(path: configuration.databasePath)
    }

    public func respond(to request: Request) throws -> Response {
        do {
            return try route(request)
        } catch let error as UserError {
            return errorResponse(status: ErrorStatus.status(for: error), message: error.message)
        } catch let error as MethodNotAllowed {
            var response = errorResponse(status: 405, message: "\(error.method) is not allowed here.")
            response.headers.append(("Allow", "GET, HEAD"))
            return response
        }
    }

    func route(_ request: Request) throws -> Response {
        let segments = request.path.split(separator: "/", omittingEmptySubsequences: true)
        let isRead = request.method == "GET" || request.method == "HEAD"
        switch segments.count {
        case 0:
            try allow(isRead, request)
            return .redirect(to: "/connections")
        case 1 where segments[0] == "connections":
            try allow(isRead, request)
            return try ConnectionsPage(handler: self).respond(to: request)
        case 1 where segments[0] == "healthz":
            return Response(contentType: "text/plain; charset=utf-8", body: "ok\n")
        case 2 where segments[0] == "_test" && configuration.testRoutes:
            return try TestRoutes.respond(to: request, action: segments[1])
        case 3 where segments[0] == "connections" && segments[2] == "invite":
            try allow(isRead, request)
            guard let id = Int(segments[1]) else { throw UserError.notFound("There is no such connection.") }
            return try InvitePage(handler: self).respond(connectionID: id)
        default:
            throw UserError.notFound("There is no page at \(request.path.prefix(200)).")
        }
    }

    private func allow(_ allowed: Bool, _ request: Request) throws {
        guard allowed else { throw MethodNotAllowed(method: request.method) }
    }

    struct MethodNotAllowed: Error {
        let method: String
    }

    public func errorResponse(status: Int, message: String) -> Response {
        html(status: status, page: "error", title: ErrorStatus.title(for: status), [
            "status": .text(status),
            "heading": .text(ErrorStatus.title(for: status)),
            "message": .text(message),
        ])
    }

    /// Renders a page inside the layout; the context's values are escaped by the templates.
    func html(status: Int = 200, page: String, title: String, _ context: [String: TemplateValue]) -> Response {
        var context = context
        context["title"] = .text(title)
        context["assetVersion"] = .text(configuration.assetVersion)
        let body = configuration.views.render(page, .object(context.map { ($0.key, $0.value) }))
        return Response(status: status, headers: [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store")],
                        body: .bytes(body))
    }
}
