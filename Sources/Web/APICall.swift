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

    /// A member that must be text, when present.
    static func text(_ body: JSON, _ key: String, required: Bool = false) throws -> String? {
        switch body[key] {
        case .string(let text)?: return text
        case nil:
            if required { throw UserError.badRequest("“\(key)” is required.") }
            return nil
        // null is no text: a field to leave as it is is left out.
        default: throw UserError.badRequest("“\(key)” must be text.")
        }
    }

    /// A member that must be a list of texts, when present.
    static func texts(_ body: JSON, _ key: String, most: Int) throws -> [String]? {
        switch body[key] {
        case .array(let items)?:
            guard items.count <= most else { throw UserError.badRequest("“\(key)” holds at most \(most) items.") }
            return try items.map { item in
                guard case .string(let text) = item else { throw UserError.badRequest("“\(key)” must be a list of texts.") }
                return text
            }
        case nil: return nil
        default: throw UserError.badRequest("“\(key)” must be a list of texts.")
        }
    }

    /// A member that must be a whole number in `range`, when present (through `RequestNumber`, as every number from
    /// outside; 27.0 is the integer 27, as JSON Schema says).
    static func number(_ body: JSON, _ key: String, in range: ClosedRange<Int>) throws -> Int? {
        switch body[key] {
        case .number(let text)?:
            guard let value = RequestNumber.parse(jsonNumber: text, in: range) else {
                throw UserError.badRequest("“\(key)” must be a whole number from \(range.lowerBound) to \(range.upperBound).")
            }
            return value
        case nil, .null?: return nil
        default: throw UserError.badRequest("“\(key)” must be a whole number from \(range.lowerBound) to \(range.upperBound).")
        }
    }

    /// Refuses members the operation does not know, so that a misspelt field is not silently ignored.
    static func requireOnly(_ body: JSON, _ keys: Set<String>) throws {
        guard case .object(let members) = body else { return }
        if let unknown = members.first(where: { !keys.contains($0.0) }) {
            throw UserError.badRequest("“\(unknown.0.prefix(60))” is not a field here. Known fields: \(keys.sorted().joined(separator: ", ")).")
        }
    }
}
