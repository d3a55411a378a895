/// Answers requests on one worker thread. Each worker makes its own handler,
/// so a handler may hold thread-bound state such as a database connection.
public protocol RequestHandler: AnyObject {
    /// Every failure is the handler's to present: the transport shows no pages of its own.
    func respond(to request: Request) -> Response
    /// The answer to a request the transport refused before the handler saw it (`request` holds
    /// its method, path and headers, not its body).
    func refuse(_ refusal: TransportRefusal, request: Request) -> Response
}

/// Why the transport would not pass a request on.
public enum TransportRefusal: Error, Sendable {
    /// The body is larger than the configured limit (bytes).
    case bodyTooLarge(limit: Int)
    /// The path and query together are longer than the configured limit (bytes).
    case addressTooLong(limit: Int)
}
