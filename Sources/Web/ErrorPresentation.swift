import Domain
import FastCGI
import Observability
import Storage

/// The one place where a failure becomes what the user sees: a status, a message and any headers
/// the status needs, as the error page or, for the API, as problem details (RFC 9457) with the
/// same message. Pages that show a form again (a driver's request, a connection, sign-in, users)
/// use the same presentation inline, so a failure never loses what was typed.
struct ErrorPresentation {
    let status: Int
    let message: String
    var headers: [(String, String)] = []
    /// Members the problem details carry besides the standard ones (a form's problems by field,
    /// what another save changed).
    var extensions: [(String, JSON)] = []

    /// How long a client should wait before repeating a request the database was too busy for.
    static let busyRetrySeconds = 2

    /// What a database failure means to the user, by its result code (SQLite's, or PostgreSQL's
    /// SQLSTATE mapped to it); `logged`: the operators' word for it, if they are to be told.
    static func answer(to error: StorageError) -> (status: Int, message: String, retryAfter: Int?, logged: String?) {
        if error.isBusy {
            return (503, "The database is busy with another change. Nothing was saved: try again in a moment.", busyRetrySeconds, "busy")
        }
        if error.isUnreachable {
            return (503, "The database cannot be reached right now. Nothing was saved: try again in a moment.", busyRetrySeconds,
                    "database unreachable")
        }
        if error.isTimeout {
            return (503, "This took too long and was stopped. Nothing was saved; try again, or narrow the filters.", busyRetrySeconds,
                    "statement timeout")
        }
        if error.isUnstorableText {
            return (400, "The text sent holds a character that cannot be stored (a NUL). Remove it and try again.", nil, nil)
        }
        if error.isUnavailable {
            return (503, "Changes cannot be saved right now: the database cannot be written. Nothing was saved; "
                    + "try again later. The operators have been told.", 60, "storage unavailable")
        }
        return (500, internalErrorMessage, nil, "")
    }

    static let internalErrorMessage = "Something went wrong on our side. The error has been logged."

    init(_ failure: Error, request: Request) {
        let problem = failure as? APIProblem
        let error = problem?.error ?? failure
        switch error {
        case let error as UserError:
            status = Self.status(of: error)
            message = error.message
            switch error {
            case .tooManyRequests(_, let seconds):
                headers = [("Retry-After", String(max(1, seconds)))]
                Telemetry.refusal(status: status, reason: "rate_limit")
            case .unavailable(_, let seconds):
                headers = [("Retry-After", String(max(1, seconds)))]
                Telemetry.refusal(status: status, reason: "unavailable")
            default: break
            }
        case let error as MethodNotAllowed:
            status = 405
            message = "\(error.method.prefix(20)) is not allowed here."
            headers = [("Allow", error.allowed)]
        case let error as TransportRefusal:
            switch error {
            case .bodyTooLarge(let limit):
                status = 413
                message = "The request is too large: at most \(Format.bytes(limit)) is accepted."
            case .addressTooLong(let limit):
                status = 414
                message = "This address is too long: at most \(Format.bytes(limit)) is accepted. Use fewer or shorter filter values."
            }
        case let error as ImportLimit:
            status = 413
            message = error.message
        case let error as StorageError:
            let answer = Self.answer(to: error)
            status = answer.status
            message = answer.message
            if let seconds = answer.retryAfter { headers = [("Retry-After", String(seconds))] }
            if let reason = answer.logged {
                request.logger.error("\(([String(status), reason]).filter { !$0.isEmpty }.joined(separator: " ")) \(request.method) \(request.path.prefix(200)): \(error)")
                if status == 503 { Telemetry.refusal(status: status, reason: reason.replacingOccurrences(of: " ", with: "_")) }
            }
        case let error as ExportError:
            // The spreadsheet could not be written to its temporary file (a full disk, most likely).
            status = 503
            message = "The export could not be written on the server right now. Try again later; the operators have been told."
            headers = [("Retry-After", "60")]
            Telemetry.refusal(status: status, reason: "export_not_written")
            request.logger.error("503 export not written \(request.method) \(request.path.prefix(200)): \(error.message)")
        default:
            status = 500
            message = Self.internalErrorMessage
            request.logger.error("500 \(request.method) \(request.path.prefix(200)): \(error)")
        }
        extensions = problem?.extensions ?? []
    }

    /// A form shown again: with problems next to its fields (400), or because its token expired (403).
    static let formWithProblems = status(of: .badRequest(""))
    static let formExpired = status(of: .forbidden(""))
    /// A save that met someone else's newer one.
    static let conflictingSave = status(of: .conflict(""))

    static func status(of error: UserError) -> Int {
        switch error {
        case .badRequest: return 400
        case .unauthorized: return 401
        case .forbidden: return 403
        case .notFound: return 404
        case .conflict: return 409
        case .tooManyRequests: return 429
        case .unavailable: return 503
        }
    }

    var title: String { Self.title(for: status) }

    /// The error page, or the problem details of an API call: never a page for the API.
    func response(handler: ConsoleHandler, request: Request, api: Bool) -> Response {
        guard api else {
            // A signed-in user keeps the console's navigation; a driver's page keeps the driver's plain header.
            let driverPage = DriverPages.serves(request.path)
            let session = driverPage ? nil : try? handler.signedInSession(request)
            var response = handler.html(status: status, page: .error, title: title, session: session, [
                "status": .text(status),
                "heading": .text(title),
                "message": .text(message),
                "driverPage": .bool(driverPage),
                // What a user quotes to the operators: the id of this request in every log line about it.
                "reference": .text(request.requestID),
            ])
            response.headers += headers
            return response
        }
        var headers = headers
        // RFC 6750: a call without a usable token is told which scheme to use.
        if status == 401 { headers.append(("WWW-Authenticate", #"Bearer realm="connections""#)) }
        let problem = JSON.object([
            ("type", .string("about:blank")), ("title", .string(HTTPStatus.reason(status))), ("status", .int(status)),
            ("detail", .string(message)),
        ] + extensions)
        return Response(status: status, headers: [("Content-Type", "application/problem+json"), ("Cache-Control", "no-store")] + headers,
                        body: .bytes(problem.bytes))
    }

    static func title(for status: Int) -> String {
        switch status {
        case 400: return "This request cannot be read"
        case 401: return "Sign in again"
        case 403: return "Not allowed"
        case 404: return "Page not found"
        case 405: return "Method not allowed"
        case 409: return "Conflict"
        case 413: return "Too large"
        case 414: return "Address too long"
        case 429: return "Too many attempts"
        case 503: return "Try again in a moment"
        default: return "Something went wrong"
        }
    }
}

/// A failure of an API call with more to say than its message: problem details' extension members.
struct APIProblem: Error {
    let error: UserError
    let extensions: [(String, JSON)]
}

/// A known path asked with a method it does not answer.
struct MethodNotAllowed: Error {
    let method: String
    let allowed: String
}
