import Domain
import FastCGI
import Foundation
import Storage
import TestSupport
@testable import Web

/// The console in-process: a real ConsoleHandler on a real database with demo data (a SQLite
/// file, or PostgreSQL: TestDatabases), spoken to with Request values instead of through nginx.
/// Keeps cookies like a browser.
final class TestClient {
    static let password = "connections-demo"
    let handler: ConsoleHandler
    let database: DatabaseLocation
    private let folder: URL
    var cookies: [String: String] = [:]
    /// The address requests come from (nginx's REMOTE_ADDR).
    var remoteAddress = "127.0.0.1"
    /// Every API answer this client got, to check against the OpenAPI document (APITestSupport).
    var apiExchanges: [JSON] = []

    /// A database of `connections` demo connections, made once per size and copied for each client.
    /// API calls per token are limited far above what a test makes, unless a test is about the limit.
    init(connections: Int = 120, sqlite: Bool = false, busyTimeoutMilliseconds: Int32 = 5000, apiRequestsPerMinute: Int = 1_000_000, apiBurst: Int = 1_000_000,
         configure: (inout WebConfiguration) throws -> Void = { _ in }) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("connections-web-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        database = try TestDatabases.demo(connections: connections, in: folder, sqlite: sqlite)
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var configuration = WebConfiguration(database: database, views: try Views(directory: root.appendingPathComponent("Views").path),
                                             publicBaseURL: "https://connect.example.test",
                                             publicDirectory: root.appendingPathComponent("Public").path,
                                             busyTimeoutMilliseconds: busyTimeoutMilliseconds, apiRequestsPerMinute: apiRequestsPerMinute,
                                             apiBurst: apiBurst)
        try configure(&configuration)
        handler = try ConsoleHandler(configuration: configuration)
    }

    deinit {
        TestDatabases.drop(database)
        try? FileManager.default.removeItem(at: folder)
    }

    /// A second connection to the same database, as another process would have.
    func otherConnection() throws -> Database {
        try Database(location: database)
    }

    // MARK: Requests

    @discardableResult
    func request(_ method: String, _ target: String, form: [(String, String)] = [], headers: [String: String] = [:]) -> Response {
        var headers = headers
        if !cookies.isEmpty { headers["cookie"] = cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
        let body = Array(URLEncoding.encode(form.map { (name: $0.0, value: $0.1) }).utf8)
        if !body.isEmpty { headers["content-type"] = "application/x-www-form-urlencoded" }
        return send(method, target, headers: headers, body: body)
    }

    /// Sends a request as built, keeping cookies; API answers are kept to check against the OpenAPI document.
    @discardableResult
    func send(_ method: String, _ target: String, headers: [String: String], body: [UInt8]) -> Response {
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let request = Request(method: method, path: String(parts[0]), queryString: parts.count > 1 ? String(parts[1]) : "",
                              headers: headers, body: body, remoteAddress: remoteAddress)
        var response = handler.respond(to: request)
        if request.path.hasPrefix("/api/") {
            // Read to its end at once (as nginx buffers an export), so that the whole answer is checked.
            response.body = .bytes(bytes(response))
            recordAPIExchange(request, response)
        }
        for (name, value) in response.headers where name == "Set-Cookie" {
            let pair = value.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let cookie = String(pair[0]), content = pair.count > 1 ? String(pair[1]) : ""
            if content.isEmpty || value.contains("Max-Age=0") { cookies[cookie] = nil } else { cookies[cookie] = content }
        }
        return response
    }

    @discardableResult
    func get(_ target: String) -> Response { request("GET", target) }

    /// A POST carrying the session's CSRF token, as the console's forms do.
    @discardableResult
    func post(_ target: String, _ form: [(String, String)] = []) throws -> Response {
        request("POST", target, form: [("csrf", try csrfToken())] + form)
    }

    func csrfToken() throws -> String {
        guard let session = cookies[SessionCookie.name] else { return "" }
        let database = try otherConnection()
        return try database.query("SELECT csrf_token FROM sessions WHERE token_hash = sha256_hex(\(p: 1))", [.text(session)]) { $0.text(0) }.first ?? ""
    }

    /// Signs in through the sign-in form, as a browser does.
    func signIn(_ email: String, password: String = TestClient.password) throws {
        let form = get("/login")
        guard form.status == 200, let token = cookies[SignInPage.formToken.cookie] else { throw Failure("no sign-in form: \(form.status)") }
        let answer = request("POST", "/login", form: [("csrf", token), ("email", email), ("password", password)])
        guard answer.status == 303, cookies[SessionCookie.name] != nil else { throw Failure("sign-in of \(email) failed: \(answer.status) \(text(answer).prefix(300))") }
    }

    func signOut() { cookies = [:] }

    // MARK: Reading answers

    /// The body as text; a streamed body is run to its end.
    func text(_ response: Response) -> String {
        String(decoding: bytes(response), as: UTF8.self)
    }

    func bytes(_ response: Response) -> [UInt8] {
        switch response.body {
        case .bytes(let bytes): return bytes
        case .stream(let produce):
            var collected: [UInt8] = []
            try? produce(ResponseStream(collectingInto: { collected += $0 }))
            return collected
        }
    }

    func header(_ response: Response, _ name: String) -> String? {
        response.headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// One value from the database, for choosing ids and checking effects.
    func scalar(_ sql: SQLFragment, _ parameters: [SQLValue] = []) throws -> Int {
        try otherConnection().scalarInt(sql, parameters)
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
