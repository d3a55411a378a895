/// Answers requests on one worker thread. Each worker makes its own handler,
/// so a handler may hold thread-bound state such as a database connection.
public protocol RequestHandler: AnyObject {
    func respond(to request: Request) throws -> Response
    /// The page shown when the transport itself refuses a request (413) or the handler threw (500).
    func errorResponse(status: Int, message: String) -> Response
}
