import Domain
import FastCGI
import XCTest
@testable import Web

/// Extreme and malformed values at every route's path, query and form parameters: every answer
/// is a 2xx, 3xx or 4xx (a trap would end this test process), and the console still serves after.
final class RequestFuzzTests: XCTestCase {
    static let hostileValues = [
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-1", "0", "1", "1e9", "", "abc",
        String(repeating: "9", count: 25), "0x10", "+5", " 7", "1.5", "١٢", "%", "%FF%FE", "\u{FFFD}\u{0}", "a\r\nb",
        String(repeating: "x", count: 5000), "null", "[1,2]", "org_id", "name", "contains", "1,2,,3", "--", "'; DROP TABLE connections; --",
    ]

    static let parameterNames = [
        "page", "size", "org", "sel", "sort", "order", "cols", "f", "op", "v", "match", "remove", "edit", "add", "q", "code", "next", "back",
        "action", "status", "what", "m", "c", "row", "all", "confirm", "reason", "format", "scope", "bom", "state", "discount", "question",
        "remove_question", "raise_question", "add_question", "version", "name", "email", "password", "role", "user", "benefit", "type",
        "visibility", "approval", "domains", "name_for_drivers", "terms", "show", "_fail_after", "_xlsx_row_limit", "done", "rotated",
    ]

    func testNoRequestEndsInA5xxOrStopsTheConsole() throws {
        let client = try TestClient()
        try client.signIn(DemoData.adminEmail)
        var random = SystemRandomNumberGenerator()
        var seen = 0
        for route in ConsoleHandler.routes where route.path != "/logout" {
            for method in route.methods {
                for round in 0..<40 {
                    let value = { Self.hostileValues.randomElement(using: &random)! }
                    let path = "/" + route.segments.map { segment -> String in
                        switch segment {
                        case .literal(let literal): return literal
                        case .integer, .text: return round % 4 == 0 ? "1" : value()
                        }
                    }.joined(separator: "/")
                    // Several parameters, some repeated, some with invalid percent escapes.
                    var pairs: [(String, String)] = []
                    for _ in 0..<Int.random(in: 1...6, using: &random) {
                        let name = Self.parameterNames.randomElement(using: &random)!
                        pairs.append((name, value()))
                        if Bool.random(using: &random) { pairs.append((name, value())) }
                    }
                    let query = pairs.map { URLEncoding.encode($0.0) + "=" + ($0.1 == "%FF%FE" ? $0.1 : URLEncoding.encode($0.1)) }.joined(separator: "&")
                    let response = method == "GET" ? client.get(path + "?" + query) : try client.post(path, pairs)
                    seen += 1
                    XCTAssertTrue((200..<500).contains(response.status),
                                  "\(method) \(path)?\(query.prefix(300)) answered \(response.status): \(client.text(response).prefix(300))")
                    if client.cookies[SessionCookie.name] == nil { try client.signIn(DemoData.adminEmail) }
                }
            }
        }
        XCTAssertGreaterThan(seen, 1000)
        XCTAssertEqual(client.get("/healthz").status, 200)
        XCTAssertEqual(client.get("/connections").status, 200)
    }

    func testRequestNumbersAreBoundedDigits() {
        XCTAssertEqual(RequestNumber.parse("42", in: RequestNumber.pages), 42)
        XCTAssertEqual(RequestNumber.parse("-3", in: RequestNumber.filterValues), -3)
        XCTAssertEqual(RequestNumber.parse("+3", in: RequestNumber.filterValues), 3)
        for bad in ["", "-", "+", "1e9", "0x10", " 1", "1 ", "1.0", "١", String(repeating: "9", count: 25), "9223372036854775808",
                    "99999999999999999999", "-9223372036854775809"] {
            XCTAssertNil(RequestNumber.parse(bad, in: Int.min...Int.max), bad)
        }
        XCTAssertEqual(RequestNumber.parse("9223372036854775807", in: Int.min...Int.max), Int.max)
        XCTAssertEqual(RequestNumber.parse("-9223372036854775807", in: Int.min...Int.max), -Int.max)
        XCTAssertNil(RequestNumber.parse("0", in: RequestNumber.ids))
        XCTAssertNil(RequestNumber.parse("1000000001", in: RequestNumber.pages))
        XCTAssertNil(RequestNumber.parse(nil as String?, in: RequestNumber.pages))
        // The largest page times the largest page size cannot overflow.
        XCTAssertLessThan(RequestNumber.pages.upperBound.multipliedReportingOverflow(by: TableState.pageSizes.max()!).partialValue, Int.max / 2)
    }

    func testTheAuditPageOfIntMaxIsAnAnswerNotATrap() throws {
        let client = try TestClient()
        try client.signIn(DemoData.adminEmail)
        XCTAssertEqual(client.get("/audit?page=9223372036854775807").status, 400)
        XCTAssertEqual(client.get("/audit?page=1000000000").status, 200)
        XCTAssertEqual(client.get("/connections?page=1000000000").status, 200)
    }
}
