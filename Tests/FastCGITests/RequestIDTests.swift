@testable import FastCGI
import XCTest

final class RequestIDTests: XCTestCase {
    func testNginxsIdIsKeptAndAnythingElseIsReplaced() {
        let nginx = "0123456789abcdef0123456789abcdef"
        XCTAssertEqual(Request(method: "GET", path: "/", headers: ["x-request-id": nginx]).requestID, nginx)
        for forged in ["", "short", "not hex at all, with spaces", String(repeating: "a", count: 65), "abc\"def0123456789"] {
            let made = Request(method: "GET", path: "/", headers: ["x-request-id": forged]).requestID
            XCTAssertNotEqual(made, forged)
            XCTAssertEqual(made.count, 32)
            XCTAssertTrue(made.allSatisfy(\.isHexDigit), made)
        }
        XCTAssertNotEqual(Request(method: "GET", path: "/").requestID, Request(method: "GET", path: "/").requestID)
    }
}
