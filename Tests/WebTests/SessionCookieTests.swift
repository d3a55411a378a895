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

    func testSignInOnlyReturnsToThisSite() {
        XCTAssertEqual(SignInPage.safeNext("/connections?sort=name"), "/connections?sort=name")
        for hostile in [nil, "", "https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)", "/x\nSet-Cookie: a=b"] {
            XCTAssertEqual(SignInPage.safeNext(hostile), "/connections", hostile ?? "nil")
        }
    }
}
