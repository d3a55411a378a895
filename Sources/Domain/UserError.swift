/// A failure the user caused or can act on, with the message the page shows.
/// The web layer maps each case to its HTTP status in one place.
public enum UserError: Error, Equatable, Sendable {
    case badRequest(String)
    case unauthorized(String)
    case notFound(String)
    case forbidden(String)
    case conflict(String)
    /// Over a limit: the page says when to try again, and so does the Retry-After header.
    case tooManyRequests(String, retryAfterSeconds: Int = 60)

    public var message: String {
        switch self {
        case .badRequest(let m), .unauthorized(let m), .notFound(let m), .forbidden(let m), .conflict(let m), .tooManyRequests(let m, _): return m
        }
    }
}
