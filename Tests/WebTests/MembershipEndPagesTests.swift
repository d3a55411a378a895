import Domain
import FastCGI
import Storage
import XCTest
@testable import Web

/// Memberships that end on a connection's page, on the database the tests run on: the length's
/// form (asking about the connected drivers with their count), a driver's end set from the
/// Connected tab, the card of who ends in the next 30 days, and bad input answered with a 400.
final class MembershipEndPagesTests: XCTestCase, DriverFixtures {
    var made = 0

    func testTheLengthAndADriversEndAreSetFromTheConnectionsPage() throws {
        let client = try TestClient(connections: 40)
        let officerOrg = try client.scalar("SELECT min(org_id) FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.email = \(p: 1)",
                                           [.text(DemoData.officerEmail)])
        let connection = try client.scalar("""
            SELECT min(c.id) FROM connections c WHERE c.org_id = \(p: 1)
            AND (SELECT count(*) FROM memberships m WHERE m.connection_id = c.id AND m.state = 'Connected') >= 2
            """, [.init(officerOrg)])
        let database = try client.otherConnection()
        let connected = try database.query("SELECT id FROM memberships WHERE connection_id = \(p: 1) AND state = 'Connected' ORDER BY id",
                                           [.init(connection)]) { $0.int(0) }

        try client.signIn(DemoData.adminEmail)
        var page = client.text(client.get("/connections/\(connection)"))
        XCTAssertTrue(page.contains("Memberships last: <strong>For ever</strong>"), page)
        XCTAssertTrue(page.contains("Also apply to the \(connected.count) connected drivers now"), page)
        XCTAssertEqual(try client.post("/connections/\(connection)/membership-length", [("kind", "days"), ("amount", "0")]).status, 400)
        XCTAssertEqual(try client.post("/connections/\(connection)/membership-length", [("kind", "until"), ("until", "2027-02-30")]).status, 400)
        let saved = try client.post("/connections/\(connection)/membership-length", [("kind", "months"), ("amount", "6"), ("apply", "1")])
        XCTAssertEqual(saved.status, 303)
        page = client.text(client.get(try location(saved)))
        XCTAssertTrue(page.contains("Membership length saved, and the end of \(connected.count) connected drivers changed."), String(page.components(separatedBy: "class=\"page-head\"").last!.prefix(800)))
        XCTAssertTrue(page.contains("Memberships last: <strong>6 months after approval</strong>"), page)
        XCTAssertEqual(try database.scalarInt("SELECT count(*) FROM memberships WHERE connection_id = \(p: 1) AND state = 'Connected' AND expires_at IS NULL",
                                              [.init(connection)]), 0)

        // An officer sets one driver's end from the Connected tab: it shows in the table and in the card.
        try client.signIn(DemoData.officerEmail)
        XCTAssertFalse(client.text(client.get("/connections/\(connection)")).contains("Save membership length"), "officers do not edit connections")
        XCTAssertEqual(try client.post("/connections/\(connection)/membership-length", [("kind", "forever")]).status, 403)
        let soon = DateText.store(Date().addingTimeInterval(10 * 86_400)).prefix(10)
        let set = try client.post("/connections/\(connection)/expiry", [("m", String(connected[0])), ("ends", String(soon)),
                                                                        ("back", "/connections/\(connection)?state=Connected")])
        XCTAssertEqual(set.status, 303)
        page = client.text(client.get(try location(set)))
        XCTAssertTrue(page.contains("Membership end set for 1 driver."), page)
        XCTAssertTrue(page.contains("<th scope=\"col\">Ends</th>") && page.contains("<td>\(DateText.day(String(soon)))</td>"), page)
        // The demo's approvals are long past: their six months are over, due for the sweep, not "ending in the next 30 days".
        let card = page.components(separatedBy: "id=\"membership-length\"").last?.components(separatedBy: "</section>").first ?? ""
        XCTAssertTrue(card.contains("Ending in the next 30 days (1)") && card.contains("ends \(DateText.day(String(soon)))"), card)
        XCTAssertEqual(try client.post("/connections/\(connection)/expiry", [("m", String(connected[0])), ("ends", "someday")]).status, 400)
        let elsewhere = try client.scalar("SELECT min(id) FROM memberships WHERE connection_id <> \(p: 1)", [.init(connection)])
        XCTAssertEqual(try client.post("/connections/\(connection)/expiry", [("m", String(elsewhere)), ("ends", "")]).status, 400)
        try client.signIn(DemoData.viewerEmail)
        XCTAssertNotEqual(try client.post("/connections/\(connection)/expiry", [("m", String(connected[0])), ("ends", "")]).status, 303)
    }

    /// The driver's status page: "Connected until …" on a connection whose memberships last until a
    /// date (the automatic approval starts it), then, once the sweep ended it, the day it ended.
    func testTheStatusPageSaysUntilWhenAndThatItEnded() throws {
        let client = try TestClient(connections: 20)
        let connection = try makeConnection(client, approval: "Automatically approve all")
        try client.signIn(DemoData.adminEmail)
        XCTAssertEqual(try client.post("/connections/\(connection.id)/membership-length", [("kind", "until"), ("until", "2030-06-30")]).status, 303)
        let driver = TestClient.sharing(client)
        let token = try statusToken(of: join(driver, connection.token, name: "Una Until", email: "una@example.test"), driver)
        var page = driver.text(driver.get("/status/\(token)"))
        XCTAssertTrue(page.contains("role=\"status\">Connected<") && page.contains("Connected until 30 June 2030."), page)

        try MembershipExpiry(database: try client.otherConnection()).sweep(now: DateText.parse("2030-06-30T00:00:20Z")!)
        page = driver.text(driver.get("/status/\(token)"))
        XCTAssertTrue(page.contains("role=\"status\">Removed<") && page.contains("Your membership ended on 30 June 2030;"), page)
        XCTAssertFalse(page.contains("removed you from this connection"), page)
    }

    /// The API's memberships carry `expires_at` (null: never), as the OpenAPI document says.
    func testTheAPIsMembershipsCarryExpiresAt() throws {
        let client = try TestClient(connections: 20)
        let connection = try client.scalar("SELECT min(connection_id) FROM memberships WHERE state = 'Connected'")
        let ids = try client.otherConnection().query("SELECT id FROM memberships WHERE connection_id = \(p: 1) AND state = 'Connected' ORDER BY id",
                                                     [.init(connection)]) { $0.int(0) }
        try client.otherConnection().run("UPDATE memberships SET expires_at = '2027-06-30T00:00:00Z' WHERE id = \(p: 1)", [.init(ids[0])])
        let token = try client.token(for: DemoData.adminEmail)
        let answer = client.json(client.api("GET", "/api/v1/connections/\(connection)/memberships?state=Connected", token: token))
        let rows = try XCTUnwrap(answer["memberships"]?.array)
        XCTAssertEqual(rows.first { $0["id"] == .int(ids[0]) }?["expires_at"], .string("2027-06-30T00:00:00Z"))
        if ids.count > 1 { XCTAssertEqual(rows.first { $0["id"] == .int(ids[1]) }?["expires_at"], .null) }

        // Set through the API, refused when not a day, cleared with null.
        let set = client.api("POST", "/api/v1/memberships/expiry", token: token, json: ["ids": [.int(ids[0])], "ends": "2028-01-01"])
        XCTAssertEqual(set.status, 200, client.text(set))
        XCTAssertEqual(client.json(set)["changed"], .int(1))
        XCTAssertEqual(try client.otherConnection().query("SELECT expires_at FROM memberships WHERE id = \(p: 1)", [.init(ids[0])]) { $0.optionalText(0) },
                       ["2028-01-01T00:00:00Z"])
        XCTAssertEqual(client.api("POST", "/api/v1/memberships/expiry", token: token, json: ["ids": [.int(ids[0])], "ends": "2028-02-30"]).status, 400)
        XCTAssertEqual(client.api("POST", "/api/v1/memberships/expiry", token: token, json: ["ids": [.int(ids[0])]]).status, 400)
        XCTAssertEqual(client.api("POST", "/api/v1/memberships/expiry", token: token, json: ["ids": [.int(ids[0])], "ends": .null]).status, 200)
        XCTAssertEqual(try client.otherConnection().query("SELECT expires_at FROM memberships WHERE id = \(p: 1)", [.init(ids[0])]) { $0.optionalText(0) },
                       [nil])
        XCTAssertEqual(try client.apiAnswersBreakingTheDocument(), [])
    }

    /// Where a redirect sends the browser, without its fragment (a browser keeps that to itself).
    func location(_ response: Response) throws -> String {
        String(try XCTUnwrap(response.headers.first { $0.name == "Location" }?.value).split(separator: "#")[0])
    }
}
