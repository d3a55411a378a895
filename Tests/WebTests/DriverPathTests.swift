import Domain
import FastCGI
import Foundation
import Storage
import XCTest
@testable import Web

/// Where a driver goes when a path ends (issue 23, finding 10): a repeat request without email,
/// asking again with another address, dead and rotated links, /find's groups and its limit, and
/// the /find address on the invite page. On SQLite, and on PostgreSQL with CONNECTIONS_TEST_POSTGRES.
final class DriverPathTests: XCTestCase, DriverFixtures {
    var made = 0

    /// A driver's status page, sent back with the given name, new address and answers.
    func askAgain(_ driver: Browsing, _ token: String, name: String = "Dana Driver", email: String, answers: [String] = []) -> Response {
        XCTAssertEqual(driver.send("GET", "/status/\(token)", form: []).status, 200)
        let form = [("csrf", driver.cookies[DriverPages.askAgainToken.cookie] ?? ""), ("name", name), ("email", email), ("terms", "yes")]
            + answers.enumerated().map { ("answer-\($0)", $1) }
        return driver.send("POST", "/status/\(token)/again", form: form)
    }

    func deny(_ client: TestClient, _ token: String, reason: String) throws {
        try client.signIn(DemoData.adminEmail)
        let id = try membershipID(ofStatus: token, client)
        XCTAssertEqual(try client.post("/requests/decide", [("m", "\(id)"), ("action", "deny"), ("reason", reason), ("back", "/requests")]).status, 303)
    }

    // MARK: A repeat request without email

    func testARepeatRequestWithoutEmailSaysHowToGetBackAndTellsNoMore() throws {
        let client = try TestClient()
        let connection = try makeConnection(client)
        let first = try statusToken(of: join(client, connection.token, email: "rae@repeat.example"), client)
        // The status page hands its own address over, to bookmark or copy.
        XCTAssertTrue(client.text(client.get("/status/\(first)")).contains("value=\"https://connect.example.test/status/\(first)\""))
        let pendingAnswer = client.text(join(TestClient.sharing(client), connection.token, name: "Someone", email: "rae@repeat.example"))
        XCTAssertTrue(pendingAnswer.contains("starts with <strong>https://connect.example.test/<wbr>status/</strong>"), pendingAnswer)
        XCTAssertTrue(pendingAnswer.contains("history or bookmarks"))
        XCTAssertTrue(pendingAnswer.contains("Tell them the email address you asked with and the connection"))
        XCTAssertFalse(pendingAnswer.contains(first))
        // Denied or Pending, the answer is the same: nothing of the request is told.
        try deny(client, first, reason: "No badge")
        let deniedAnswer = client.text(join(TestClient.sharing(client), connection.token, name: "Someone", email: "rae@repeat.example"))
        XCTAssertEqual(deniedAnswer, pendingAnswer)
    }

    // MARK: Asking again with another address

    func testAskingAgainWithANewAddressIsANewRequestAndTheOldOneStays() throws {
        let client = try TestClient()
        let connection = try makeConnection(client, approval: "Automatically approve by email domain", questions: ["Employee ID"],
                                            domains: ["work.example"])
        let driver = TestClient.sharing(client)
        let old = try statusToken(of: join(driver, connection.token, name: "Wes Work", email: "wes@home.example", answers: ["E-1"]), driver)
        try deny(client, old, reason: "Use your work email")
        let before = try membership(client, connection: connection.id, email: "wes@home.example")

        let page = driver.text(driver.send("GET", "/status/\(old)", form: []))
        XCTAssertTrue(page.contains("A different email address") && page.contains("name=\"email\""), page)

        // Slips: a bad address, and this request's own, each a clear 400 that keeps what was typed.
        let bad = askAgain(driver, old, name: "Wes Work", email: "not-an-address", answers: ["E-2"])
        XCTAssertEqual(bad.status, 400)
        XCTAssertTrue(driver.text(bad).contains("Enter an email address like name@example.com.") && driver.text(bad).contains("value=\"E-2\""))
        let same = askAgain(driver, old, name: "Wes Work", email: "WES@home.example", answers: ["E-2"])
        XCTAssertEqual(same.status, 400)
        XCTAssertTrue(driver.text(same).contains("This is the address of this request"), driver.text(same))
        XCTAssertEqual(try membership(client, connection: connection.id, email: "wes@home.example"), before)

        // A new request of the new address, on its own status page: without email it waits for the host, marked.
        let new = try statusToken(of: askAgain(driver, old, name: "Wes Work", email: "wes@work.example", answers: ["E-2"]), driver)
        XCTAssertNotEqual(new, old)
        XCTAssertTrue(driver.text(driver.send("GET", "/status/\(new)", form: [])).contains("role=\"status\">Pending<"))
        let created = try membership(client, connection: connection.id, email: "wes@work.example")
        XCTAssertEqual(created.first, "Pending")
        XCTAssertEqual(created.last, "E-2")
        XCTAssertEqual(try membership(client, connection: connection.id, email: "wes@home.example"), before, "the denied request stays as it was")
        XCTAssertTrue(client.text(client.get("/connections/\(connection.id)/requests")).contains("email domain matches"))
        // Addresses carry line-break chances (<wbr>) after @ and . on the page.
        let audit = client.text(client.get("/audit")).replacingOccurrences(of: "<wbr>", with: "")
        XCTAssertTrue(audit.contains("Driver asked again with a new address") && audit.contains("wes@work.example"), audit)

        // The old status page can still do it once more, but an address that has asked is told so, as on the join page.
        let again = askAgain(driver, old, name: "Wes Work", email: "wes@work.example", answers: ["E-3"])
        XCTAssertEqual(again.status, 200)
        XCTAssertTrue(driver.text(again).contains("has already asked to join"))
        XCTAssertEqual(try membership(client, connection: connection.id, email: "wes@work.example").last, "E-2")
    }

    func testANewAddressIsProvedByEmailWhenEmailIsSetUp() throws {
        let client = try TestClient { $0.smtp = EmailTests.settings }
        let connection = try makeConnection(client, approval: "Automatically approve by email domain", domains: ["work.example"])
        let driver = TestClient.sharing(client)
        XCTAssertEqual(join(driver, connection.token, name: "Ela Email", email: "ela@home.example").status, 200)
        // The status link is emailed.
        let old = try XCTUnwrap(client.sendEmails().first { $0.item.recipient == "ela@home.example" }).token("/status/")
        try deny(client, old, reason: "Use your work email")
        let queued = try client.scalar("SELECT max(id) FROM outbox")

        let answer = askAgain(driver, old, name: "Ela Email", email: "ela@work.example")
        XCTAssertEqual(answer.status, 200)
        XCTAssertTrue(driver.text(answer).contains("Check your email"), driver.text(answer))
        XCTAssertEqual(try membership(client, connection: connection.id, email: "ela@work.example").first, "Pending")
        XCTAssertEqual(try client.scalar("""
            SELECT count(*) FROM outbox o WHERE o.id > \(p: 1) AND o.kind = 'email confirmation' AND o.recipient = 'ela@work.example'
            """, [.init(queued)]), 1, "the new address gets the confirmation link, as a first request does")
        XCTAssertEqual(try membership(client, connection: connection.id, email: "ela@home.example").first, "Denied")
    }

    func testANewAddressCountsAgainstTheSameLimits() throws {
        let client = try TestClient { $0.joinLimits = JoinLimits.Policy(perAddress: 2) }
        let connection = try makeConnection(client)
        let driver = TestClient.sharing(client)
        let old = try statusToken(of: join(driver, connection.token, email: "lim@one.example"), driver)
        try deny(client, old, reason: "Another address, please")
        _ = try statusToken(of: askAgain(driver, old, email: "lim@two.example"), driver)
        let refused = askAgain(driver, old, email: "lim@three.example")
        XCTAssertEqual(refused.status, 429)
        XCTAssertNotNil(driver.header(refused, "Retry-After"))
        XCTAssertEqual(try membership(client, connection: connection.id, email: "lim@three.example"), [])
    }

    // MARK: Dead and rotated links

    func testDeadLinksAnswer410WrittenForDrivers() throws {
        let client = try TestClient()
        let rotated = try makeConnection(client)
        let driver = TestClient.sharing(client)
        let status = try statusToken(of: join(driver, rotated.token, email: "dee@dead.example"), driver)
        try client.signIn(DemoData.adminEmail)
        XCTAssertEqual(try client.post("/connections/\(rotated.id)/rotate", [("what", "link"), ("confirm", "1")]).status, 303)
        let disabled = try makeConnection(client)
        XCTAssertEqual(try client.post("/connections/\(disabled.id)/status", [("status", "Disabled")]).status, 303)
        let deleted = try makeConnection(client)
        let deletedStatus = try statusToken(of: join(driver, deleted.token, email: "dee@dead.example"), driver)
        XCTAssertEqual(try client.post("/connections/\(deleted.id)/delete").status, 303)

        for (path, words) in [("/join/\(rotated.token)", "This invite link no longer works"), ("/join/\(deleted.token)", "This invite link no longer works"),
                              ("/join/never-issued", "This invite link no longer works"),
                              ("/join/\(disabled.token)", "is not taking new drivers"),
                              ("/status/\(deletedStatus)", "This status link no longer works"),
                              ("/status/never-issued-status-token-aaaaaaaaaaaa", "This status link no longer works")] {
            let response = driver.send("GET", path, form: [])
            let text = driver.text(response)
            XCTAssertEqual(response.status, 410, path)
            XCTAssertTrue(text.contains(words) && text.contains("What you can do") && text.contains("https://connect.example.test/find"), text)
            XCTAssertFalse(text.contains("Error 4") || text.contains("Page not found") || text.contains("Driver Management"), text)
        }
        XCTAssertEqual(driver.send("POST", "/join/\(rotated.token)", form: [("name", "x")]).status, 410)
        XCTAssertEqual(driver.send("POST", "/status/\(deletedStatus)/again", form: [("name", "x")]).status, 410)
        XCTAssertEqual(driver.send("GET", "/status/\(status)", form: []).status, 200, "a rotated invite link leaves its requests' status links working")
        XCTAssertEqual(driver.send("GET", "/joins/anything", form: []).status, 404, "a path that never existed is still not found")
    }

    // MARK: /find

    func testFindGroupsByOrganizationAndAsksForTheCodePastTen() throws {
        let client = try TestClient()
        let database = try client.otherConnection()
        func organization(_ name: String) throws -> Int {
            try database.insertReturningID("INSERT INTO organizations (name, name_for_drivers, created_at) VALUES (\(p: 1), \(p: 1), '2026-01-01T00:00:00Z')",
                                           [.text(name)])
        }
        let harborBay = try organization("Quayside Harbor Bay"), harborPoint = try organization("Quayside Harbor Point")
        let lagoon = try organization("Quayside Lagoon")
        var made: [(id: Int, token: String)] = []
        for org in [harborBay, harborBay, harborPoint] + Array(repeating: lagoon, count: 9) { made.append(try makeConnection(client, org: org)) }
        try database.run("UPDATE connections SET visibility = 'Public' WHERE id IN (\(ids: 1))", [.idList(made.map(\.id))])

        let few = client.text(client.get("/find?org=quayside+harbor"))
        XCTAssertTrue(few.contains("3 public connections found"), few)
        let bay = try XCTUnwrap(few.range(of: "<h3>Quayside Harbor Bay</h3>")), point = try XCTUnwrap(few.range(of: "<h3>Quayside Harbor Point</h3>"))
        XCTAssertLessThan(bay.lowerBound, point.lowerBound)
        XCTAssertEqual(few.components(separatedBy: "href=\"/join/").count - 1, 3)

        let many = client.get("/find?org=QUAYSIDE")
        let text = client.text(many)
        XCTAssertEqual(many.status, 200)
        XCTAssertTrue(text.contains("12 public connections match") && text.contains("search code"), text)
        XCTAssertFalse(text.contains("href=\"/join/"), "none listed past ten")
        XCTAssertTrue(text.contains("href=\"/find?org=Quayside%20Lagoon\">Quayside Lagoon</a> <span class=\"hint\">9 connections</span>"), text)
        XCTAssertTrue(text.contains(">Quayside Harbor Point</a> <span class=\"hint\">1 connection</span>"), text)

        // The search code still finds exactly its connection.
        let code = try database.query("SELECT search_code FROM connections WHERE id = \(p: 1)", [.init(made[5].id)]) { $0.text(0) }[0]
        let found = client.get("/find?code=" + code.lowercased())
        XCTAssertEqual(found.status, 303)
        XCTAssertEqual(client.header(found, "Location"), "/join/\(made[5].token)")
    }

    // MARK: The invite page

    func testTheSearchCodeCardShowsTheFindAddressWithCopyAndQR() throws {
        let client = try TestClient()
        let connection = try makeConnection(client)
        try client.signIn(DemoData.adminEmail)
        let page = client.text(client.get("/connections/\(connection.id)/invite"))
        XCTAssertTrue(page.contains("id=\"find-url\" class=\"copy-field\" type=\"text\" readonly value=\"https://connect.example.test/find\""), page)
        XCTAssertTrue(page.contains("data-copy=\"find-url\""))
        let qr = try XCTUnwrap(page.range(of: #"src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)""#, options: .regularExpression))
        let encoded = page[qr].dropFirst("src=\"data:image/svg+xml;base64,".count).dropLast()
        let svg = String(decoding: try XCTUnwrap(Data(base64Encoded: String(encoded))), as: UTF8.self)
        XCTAssertEqual(svg, try QRCode(encoding: "https://connect.example.test/find").svg())
    }
}
