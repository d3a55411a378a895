import Domain
import FastCGI
import Foundation
import XCTest
@testable import Web

/// Calls to the JSON API from the in-process client, and the check of every answer against the
/// OpenAPI document with openapi-core (scripts/openapi-check.py in the test venv that scripts/test
/// installs: var/test-venv).
extension TestClient {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// An API call with a bearer token (none: no Authorization header) and an optional JSON body.
    @discardableResult
    func api(_ method: String, _ target: String, token: String?, json: JSON? = nil, cookies sendCookies: Bool = false) -> Response {
        var headers: [String: String] = [:]
        if let token { headers["authorization"] = "Bearer \(token)" }
        if sendCookies && !cookies.isEmpty { headers["cookie"] = cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
        var body: [UInt8] = []
        if let json {
            headers["content-type"] = "application/json"
            body = json.bytes
        }
        return send(method, target, headers: headers, body: body)
    }

    /// The answer's JSON; fails the test when it is not JSON.
    func json(_ response: Response, file: StaticString = #filePath, line: UInt = #line) -> JSON {
        do { return try JSON.parse(bytes(response)) } catch {
            XCTFail("not JSON (\(response.status)): \(text(response).prefix(300))", file: file, line: line)
            return .null
        }
    }

    /// Makes a token for `email` through the tokens page, as a person would; returns it.
    func token(for email: String, name: String = "Test token") throws -> String {
        signOut()
        try signIn(email)
        let page = try post("/account/tokens", [("name", name), ("expires", "30")])
        guard page.status == 201, let range = text(page).range(of: #"cnx_[A-Za-z0-9_-]+"#, options: .regularExpression) else {
            throw Failure("no token made for \(email): \(page.status) \(text(page).prefix(300))")
        }
        signOut()
        return String(text(page)[range])
    }

    func recordAPIExchange(_ request: Request, _ response: Response) {
        let type = header(response, "Content-Type") ?? ""
        let body = text(response)
        apiExchanges.append(.object([
            ("method", .string(request.method)), ("path", .string(request.path)),
            ("query", .array(request.query.map { .array([.string($0.name), .string($0.value)]) })),
            ("status", .int(response.status)), ("content_type", .string(type)),
            ("headers", .object(response.headers.map { ($0.name, .string($0.value)) })),
            ("body", .string(body)),
        ]))
    }

    /// Checks every API answer so far against the served OpenAPI document; returns the failures.
    func apiAnswersBreakingTheDocument() throws -> [String] {
        guard !apiExchanges.isEmpty else { return [] }
        let python = Self.root.appendingPathComponent("var/test-venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            return ["\(python) is missing: run scripts/test-venv (scripts/test does) to install openapi-core"]
        }
        let document = FileManager.default.temporaryDirectory.appendingPathComponent("openapi-\(UUID().uuidString).json")
        try Data(OpenAPIDocument.bytes).write(to: document)
        defer { try? FileManager.default.removeItem(at: document) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [Self.root.appendingPathComponent("scripts/openapi-check.py").path, document.path]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let lines = apiExchanges.map { String(decoding: $0.bytes, as: UTF8.self) }.joined(separator: "\n") + "\n"
        // Written from another thread: the checker answers line by line, and a full pipe would stall both sides.
        let writer = Thread { input.fileHandleForWriting.write(Data(lines.utf8)); try? input.fileHandleForWriting.close() }
        writer.start()
        let answer = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let results = answer.split(separator: "\n").map(String.init)
        var failures = results.filter { $0 != "ok" }
        if results.count != apiExchanges.count && failures.isEmpty {
            failures.append("the checker answered \(results.count) of \(apiExchanges.count) exchanges (exit \(process.terminationStatus))")
        }
        apiExchanges = []
        return failures
    }
}

/// A test case whose API answers are all checked against the OpenAPI document when it ends.
class APITestCase: XCTestCase {
    var clients: [TestClient] = []

    func makeClient(connections: Int = 120, busyTimeoutMilliseconds: Int32 = 5000, apiRequestsPerMinute: Int = 1_000_000,
                    apiBurst: Int = 1_000_000) throws -> TestClient {
        let client = try TestClient(connections: connections, busyTimeoutMilliseconds: busyTimeoutMilliseconds,
                                    apiRequestsPerMinute: apiRequestsPerMinute, apiBurst: apiBurst)
        clients.append(client)
        return client
    }

    override func tearDownWithError() throws {
        for client in clients {
            for failure in try client.apiAnswersBreakingTheDocument() { XCTFail("answer breaks the OpenAPI document: \(failure)") }
        }
        clients = []
    }
}
