@testable import Web
import XCTest

final class SessionCookieTests: XCTestCase {
    func testTheCookieIsSecureOverHTTPSOnly() {
        let plain = SessionCookie.set(String(repeating: "t", count: 43), secure: false)
        XCTAssertTrue(plain.hasPrefix("session=ttt"))
        XCTAssertTrue(plain.contains("; HttpOnly; SameSite=Lax"))
        XCTAssertFalse(plain.contains("Secure"))
        XCTAssertTrue(SessionCookie.set("t", secure: true).hasSuffix("; Secure"))
        XCTAssertTrue(SessionCookie.clear(secure: true).contains("Max-Age=0"))
    }

    func testReturnPathsStayOnThisSite() {
        XCTAssertEqual(ReturnPath.safe("/connections?sort=name&v=a%20b"), "/connections?sort=name&v=a%20b")
        XCTAssertEqual(ReturnPath.safe("/requests"), "/requests")
        for hostile in [nil, "", "https://evil.example/", "//evil.example", "/\\evil.example", "/x/\\evil", "javascript:alert(1)",
                        "/x\nSet-Cookie: a=b", "/\t/evil.example", "/\u{0}/evil.example", "/\r/evil.example", "/ /evil.example",
                        "/\u{2028}/evil", "/\u{200B}/evil", "evil.example", String(repeating: "/a", count: 1500)] {
            XCTAssertEqual(ReturnPath.safe(hostile), "/connections", hostile ?? "nil")
        }
    }
}
