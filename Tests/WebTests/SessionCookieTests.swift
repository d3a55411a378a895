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

    func testASignInRedirectCarriesOnlyAReturnPathItMayFollow() {
        XCTAssertEqual(ReturnPath.signIn(returningTo: "/connections?sort=name"), "/login?next=%2Fconnections%3Fsort%3Dname")
        // Too long to come back to (it would fill nginx's header buffer, encoded three times over): dropped.
        XCTAssertEqual(ReturnPath.signIn(returningTo: "/connections?v=" + String(repeating: "x", count: 20_000)), "/login")
        XCTAssertEqual(ReturnPath.signIn(returningTo: "//evil.example"), "/login")
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
