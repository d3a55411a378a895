import Observability

/// One HTTP request as nginx passed it over FastCGI.
public struct Request: Sendable {
    public let method: String
    /// The decoded, normalized path (nginx's $document_uri), without the query.
    public let path: String
    public let queryString: String
    public let query: [(name: String, value: String)]
    /// Lower-cased header names.
    public let headers: [String: String]
    public let cookies: [String: String]
    public let body: [UInt8]
    /// The fields of a url-encoded or multipart form body, parsed once.
    public let form: [(name: String, value: String)]
    /// The files of a multipart form body.
    public let files: [UploadedFile]
    public let remoteAddress: String
    public let isHTTPS: Bool
    /// True once the server's shutdown grace period is over: a long response (an export) must stop
    /// and mark itself incomplete.
    public let serverStopping: @Sendable () -> Bool
    /// nginx's $request_id (the X-Request-Id it returns and logs), or one made here for a request
    /// that came another way: every log line about the request carries it.
    public let requestID: String
    /// The process's logger with this request's id; Domain and Storage log through it too.
    public var logger: Logger

    public init(method: String, path: String, queryString: String = "", headers: [String: String] = [:],
                body: [UInt8] = [], remoteAddress: String = "", isHTTPS: Bool = false,
                serverStopping: @escaping @Sendable () -> Bool = { false }) {
        self.serverStopping = serverStopping
        self.method = method
        self.path = path
        self.queryString = queryString
        self.query = URLEncoding.parse(queryString)
        self.headers = headers
        self.cookies = Self.parseCookies(headers["cookie"] ?? "")
        self.body = body
        if let multipart = MultipartBody(contentType: headers["content-type"] ?? "", body: body) {
            self.form = multipart.fields
            self.files = multipart.files
        } else {
            self.form = body.isEmpty ? [] : URLEncoding.parse(String(decoding: body, as: UTF8.self))
            self.files = []
        }
        self.remoteAddress = remoteAddress
        self.isHTTPS = isHTTPS
        requestID = headers["x-request-id"].flatMap(RequestID.init(checking:))?.text ?? RequestID.make().text
        logger = Logs.process
        logger[metadataKey: "request_id"] = .string(requestID)
    }

    /// The first value of a query parameter.
    public func queryValue(_ name: String) -> String? {
        query.first { $0.name == name }?.value
    }

    /// The file sent in form field `name`.
    public func file(_ name: String) -> UploadedFile? {
        files.first { $0.field == name }
    }

    /// The first value of a form field.
    public func formValue(_ name: String) -> String? {
        form.first { $0.name == name }?.value
    }

    static func parseCookies(_ header: String) -> [String: String] {
        var cookies: [String: String] = [:]
        for part in header.split(separator: ";") {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            let name = pair[0].trimmingSpaces
            if cookies[name] == nil { cookies[name] = pair[1].trimmingSpaces }
        }
        return cookies
    }
}

extension Substring {
    var trimmingSpaces: String {
        let utf8 = self.utf8
        guard let first = utf8.firstIndex(where: { $0 != UInt8(ascii: " ") }),
              let last = utf8.lastIndex(where: { $0 != UInt8(ascii: " ") }) else { return "" }
        return String(self[first...last])
    }
}
