/// A failure the user caused or can act on, with the message the page shows.
/// The web layer maps each case to its HTTP status in one place.
public enum UserError: Error, Equatable, Sendable {
    case badRequest(String)
    case unauthorized(String)
    case notFound(String)
    case forbidden(String)
    case conflict(String)
    /// Refused for now: the page says when to come back and `Retry-After` carries the seconds.
    case tooManyRequests(String, retryAfterSeconds: Int = 60)
    /// The server cannot do it right now (it is stopping); the same request will work again soon.
    case unavailable(String, retryAfterSeconds: Int = 5)

    public var message: String {
        switch self {
        case .badRequest(let m), .unauthorized(let m), .notFound(let m), .forbidden(let m), .conflict(let m), .tooManyRequests(let m, _),
             .unavailable(let m, _): return m
        }
    }
}
