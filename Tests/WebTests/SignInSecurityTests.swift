import Domain
import FastCGI
import Foundation
import XCTest
@testable import Web

/// Sign-in and search-code throttling through the real handler: nobody can lock out a browser
/// that signed in before, or drivers behind the same address who have a right code; a NUL
/// never shortens a password.
final class SignInSecurityTests: XCTestCase {
    /// One sign-in through the form, from `address`, as a browser that holds only `device` (if any).
    @discardableResult
    func attempt(_ client: TestClient, _ email: String, _ password: String = TestClient.password, from address: String,
                 device: String? = nil) -> Response {
        client.cookies = device.map { ["device": $0] } ?? [:]
        client.remoteAddress = address
        _ = client.get("/login")
        return client.request("POST", "/login", form: [("csrf", client.cookies[SignInPage.formToken.cookie] ?? ""), ("email", email),
                                                       ("password", password)])
    }

    func testGuessersElsewhereNeverLockOutTheRightPasswordFromAKnownBrowser() throws {
        let client = try TestClient()
        let first = attempt(client, DemoData.officerEmail, from: "192.0.2.10")
        XCTAssertEqual(first.status, 303)
        let cookie = try XCTUnwrap(first.headers.first { $0.name == "Set-Cookie" && $0.value.hasPrefix("device=") }?.value)
        XCTAssertTrue(cookie.contains("; Path=/login; HttpOnly; SameSite=Lax; Max-Age=15552000"), cookie)
        let device = try XCTUnwrap(client.cookies["device"])
        XCTAssertGreaterThanOrEqual(device.count, 43)
        // Thirty wrong passwords for the account, one from each of thirty addresses.
        for i in 0..<30 {
            XCTAssertEqual(attempt(client, DemoData.officerEmail, "wrong guess", from: "203.0.113.\(i)").status, 401, "guess \(i)")
        }
        let stranger = attempt(client, DemoData.officerEmail, from: "198.51.100.7")
        XCTAssertEqual(stranger.status, 429, "a browser the account never signed in with is refused for now")
        XCTAssertTrue(client.text(stranger).contains("Sign in from a browser you signed in with before"))
        XCTAssertNotNil(Int(client.header(stranger, "Retry-After") ?? ""), "429 says when to come back")
        let known = attempt(client, DemoData.officerEmail, from: "203.0.113.0", device: device)
        XCTAssertEqual(known.status, 303, "the officer's own browser signs in: \(client.text(known).prefix(300))")
        XCTAssertEqual(client.cookies["device"], device, "and stays known")
        // Signing out keeps the browser known.
        XCTAssertEqual(try client.post("/logout").status, 303)
        XCTAssertEqual(client.cookies["device"], device)
    }

    func testOneAddressOfManyPeopleDoesNotLockThemOut() throws {
        let client = try TestClient()
        // Forty failed sign-ins behind one NAT address, at forty accounts: the old rules refused the address at thirty.
        for i in 0..<40 {
            XCTAssertEqual(attempt(client, "someone\(i)@demo.test", "wrong guess", from: "203.0.113.99").status, 401, "guess \(i)")
        }
        XCTAssertEqual(attempt(client, DemoData.viewerEmail, from: "203.0.113.99").status, 303)
    }

    func testTheFourthGuessOfAPairWaitsWithRetryAfter() throws {
        let client = try TestClient()
        for _ in 0..<3 { XCTAssertEqual(attempt(client, DemoData.viewerEmail, "wrong guess", from: "203.0.113.4").status, 401) }
        let slowed = attempt(client, DemoData.viewerEmail, from: "203.0.113.4")
        XCTAssertEqual(slowed.status, 429)
        XCTAssertTrue(client.text(slowed).contains("seconds before trying again"))
        XCTAssertTrue(["1", "2"].contains(client.header(slowed, "Retry-After") ?? ""), client.header(slowed, "Retry-After") ?? "none")
        XCTAssertEqual(attempt(client, DemoData.viewerEmail, from: "198.51.100.4").status, 303, "another address is another guesser")
    }

    func testANULNeitherSetsNorShortensAPassword() throws {
        let client = try TestClient()
        XCTAssertEqual(attempt(client, DemoData.viewerEmail, TestClient.password + "\u{0}anything", from: "192.0.2.20").status, 401)
        try client.signIn(DemoData.adminEmail)
        let org = try client.scalar("SELECT min(org_id) FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.email = \(p: 1)",
                                    [.text(DemoData.adminEmail)])
        // A new account's password is set on the invitation's page.
        XCTAssertEqual(try client.post("/users", [("org", String(org)), ("action", "add"), ("email", "nul@demo.test"), ("role", "Viewer")]).status, 200)
        let payload = try client.otherConnection().query("SELECT payload FROM outbox WHERE kind = 'user invitation'") { $0.text(0) }[0]
        let token = try XCTUnwrap(JSON.strings(payload)?[UserInvitations.tokenKey])
        for password in ["x\u{0}yyyyyyyyyyyyyy", "a tab\tin the password", "two\nlines of password"] {
            let added = client.request("POST", "/invitation/\(token)", form: [("action", "accept"), ("name", "Nul"), ("password", password)])
            XCTAssertEqual(added.status, 400, password.debugDescription)
            XCTAssertTrue(client.text(added).contains("The password cannot contain control characters"), password.debugDescription)
        }
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM users WHERE email = 'nul@demo.test'"), 0)
    }

    func testARightSearchCodeWorksWhileOthersBehindTheAddressGuess() throws {
        let client = try TestClient()
        client.remoteAddress = "203.0.113.50"
        let code = try client.otherConnection().query("SELECT search_code FROM connections WHERE status = 'Enabled' ORDER BY id LIMIT 1") {
            $0.text(0)
        }[0]
        func failures() throws -> Int { try client.scalar("SELECT coalesce(sum(events), 0) FROM rate_windows WHERE subject = 'search-code:203.0.113.50'") }
        // Thirty wrong codes from the address (the old rules refused everyone behind it after twenty).
        for n in 0..<30 { XCTAssertEqual(client.get("/find?code=ZZZZZZ\(n + 10)").status, 404, "code \(n)") }
        for _ in 0..<10 { XCTAssertEqual(client.get("/find?code=\(code.lowercased())").status, 303, "a right code goes through") }
        XCTAssertEqual(try failures(), 30, "right codes are not counted")
        // At the limit every code is refused, the right one too: answering it would tell a guesser which guess is right.
        let minuteAgo = Int(Date().timeIntervalSince1970) - 60
        try client.otherConnection().run("""
            INSERT INTO rate_windows (subject, bucket, events, expires_at, last_at) VALUES ('search-code:203.0.113.50', \(p: 1), 70, \(p: 2), \(p: 3))
            """, [.init(minuteAgo / 60), .init(minuteAgo + 900), .init(minuteAgo)])
        let refused = client.get("/find?code=ZZZZZZ99")
        XCTAssertEqual(refused.status, 429)
        XCTAssertTrue(client.text(refused).contains("Open the invite link or scan the QR code"))
        XCTAssertNotNil(Int(client.header(refused, "Retry-After") ?? ""))
        XCTAssertEqual(client.get("/find?code=\(code)").status, 429)
        XCTAssertEqual(try failures(), 100, "refused look-ups are not counted")
        client.remoteAddress = "198.51.100.50"
        XCTAssertEqual(client.get("/find?code=\(code)").status, 303, "other addresses are not affected")
    }
}
