import Domain
import FastCGI
import Storage

/// One API request whose caller the route table has checked: what the API's handlers see.
struct APICall {
    let handler: ConsoleHandler
    let request: Request
    let access: Access
    let parameters: PathParameters

    var database: Database { handler.database }

    static let noToken = "Send an API token: Authorization: Bearer <token>. Make one at /account/tokens."

    /// The token of `Authorization: Bearer <token>` (the scheme in any case, RFC 9110).
    static func bearerToken(_ request: Request) -> String? {
        guard let header = request.headers["authorization"] else { return nil }
        let parts = header.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return String(parts[1])
    }

    static func json(_ value: JSON, status: Int = 200, headers: [(String, String)] = []) -> Response {
        Response(status: status, headers: [("Content-Type", "application/json"), ("Cache-Control", "no-store")] + headers,
                 body: .bytes(value.bytes))
    }

    /// The request's JSON body, an object; any other body (another media type too) is a 400.
    func body() throws -> JSON {
        let type = request.headers["content-type"]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard type == "application/json" else {
            throw UserError.badRequest("Send the body as JSON, with Content-Type: application/json.")
        }
        let body = try JSON.parse(request.body)
        guard case .object = body else { throw UserError.badRequest("The body must be a JSON object.") }
        return body
    }

    /// The body decoded through the type that the document shows for it.
    func body<Body: JSONBody>(_ type: Body.Type) throws -> Body {
        try Body.decode(body())
    }
}
