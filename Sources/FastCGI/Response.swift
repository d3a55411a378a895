/// What a handler answers. A streamed body is written in chunks as it is produced.
public struct Response {
    public enum Body {
        case bytes([UInt8])
        case stream((ResponseStream) throws -> Void)
    }

    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: Body

    public init(status: Int = 200, headers: [(name: String, value: String)] = [], body: Body = .bytes([])) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public init(status: Int = 200, contentType: String, body: String) {
        self.init(status: status, headers: [("Content-Type", contentType)], body: .bytes(Array(body.utf8)))
    }

    public static func redirect(to location: String, status: Int = 303) -> Response {
        Response(status: status, headers: [("Location", location)])
    }

    /// The CGI header block: "Status: 200 OK", the headers, a blank line. A body of
    /// unknown length is a stream, which nginx passes on unbuffered unless the response says otherwise.
    func headerBlock(contentLength: Int?) -> String {
        var block = "Status: \(status) \(HTTPStatus.reason(status))\r\n"
        for (name, value) in headers where !value.contains("\r") && !value.contains("\n") {
            block += "\(name): \(value)\r\n"
        }
        if let contentLength {
            block += "Content-Length: \(contentLength)\r\n"
        } else if !headers.contains(where: { $0.name == "X-Accel-Buffering" }) {
            block += "X-Accel-Buffering: no\r\n"
        }
        return block + "\r\n"
    }
}

public enum HTTPStatus {
    public static func reason(_ status: Int) -> String {
        switch status {
        case 200: return "OK"
        case 201: return "Created"
        case 204: return "No Content"
        case 301: return "Moved Permanently"
        case 302: return "Found"
        case 303: return "See Other"
        case 304: return "Not Modified"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 409: return "Conflict"
        case 413: return "Content Too Large"
        case 414: return "URI Too Long"
        case 422: return "Unprocessable Content"
        case 429: return "Too Many Requests"
        case 500: return "Internal Server Error"
        case 503: return "Service Unavailable"
        default: return "Status \(status)"
        }
    }
}
