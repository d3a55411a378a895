import Domain
import FastCGI
import XCTest
@testable import Web

/// What a first-time admin and a driver meet (issue 15), in-process: confirmations before
/// losing something, what a page says after an action, error pages, driver pages, audit details,
/// the table's markup for narrow screens, and the CSV's dates.
final class ConsoleUXTests: XCTestCase {
    func signedIn() throws -> TestClient {
        let client = try TestClient()
        try client.signIn(DemoData.adminEmail)
        return client
    }

    func location(_ response: Response) -> String { response.headers.first { $0.name == "Location" }?.value ?? "" }

    func testRotatingAsksFirstSayingWhatStopsWorkingAndWhoWaits() throws {
        let client = try signedIn()
        let id = try client.scalar("SELECT min(connection_id) FROM memberships WHERE state = 'Pending'")
        let pending = try client.scalar("SELECT count(*) FROM memberships WHERE connection_id = \(p: 1) AND state = 'Pending'", [.init(id)])
        let token = { try client.otherConnection().query("SELECT invite_token || search_code FROM connections WHERE id = \(p: 1)", [.init(id)]) { $0.text(0) }[0] }
        let before = try token()
        let ask = try client.post("/connections/\(id)/rotate", [("what", "link")])
        let page = client.text(ask)
        XCTAssertEqual(ask.status, 200)
        XCTAssertTrue(page.contains("every QR code"), page)
        XCTAssertTrue(page.contains("\(pending) driver\(pending == 1 ? " has a request" : "s have requests") waiting for a decision"), page)
        XCTAssertTrue(page.contains("name=\"confirm\" value=\"1\""))
        XCTAssertEqual(try token(), before, "nothing changed before the confirmation")
        let code = client.text(try client.post("/connections/\(id)/rotate", [("what", "code")]))
        XCTAssertTrue(code.contains("The current search code stops working at once"), code)
        XCTAssertEqual(try token(), before)
        let done = try client.post("/connections/\(id)/rotate", [("what", "link"), ("confirm", "1")])
        XCTAssertEqual(done.status, 303)
        XCTAssertNotEqual(try token(), before)
    }

    func testARowsOwnDisableAsksLikeTheBarAndNothingSelectedIsSaidInPlace() throws {
        let client = try signedIn()
        let id = try client.scalar("SELECT min(id) FROM connections WHERE status = 'Enabled'")
        let row = try client.post("/connections/bulk", [("state", ""), ("row", "disable:\(id)")])
        XCTAssertEqual(row.status, 200)
        XCTAssertTrue(client.text(row).contains("Disable 1 connection?"))
        XCTAssertEqual(try client.scalar("SELECT status = 'Enabled' FROM connections WHERE id = \(p: 1)", [.init(id)]), 1)
        let empty = try client.post("/connections/bulk", [("state", ""), ("action", "disable")])
        let page = client.text(empty)
        XCTAssertEqual(empty.status, 400)
        XCTAssertTrue(page.contains("<p class=\"notice error\" role=\"alert\" id=\"bulk-problem\">Nothing is selected"), page)
        XCTAssertTrue(page.contains("id=\"bulk-form\"") && !page.contains("Error 400"))
    }

    func testANewConnectionSaysItIsCreatedAndWhatComesNext() throws {
        let client = try signedIn()
        let org = try client.scalar("SELECT min(id) FROM organizations")
        let created = try client.post("/connections/new", [
            ("org", String(org)), ("name_for_drivers", "Acme Robotics"), ("name", "UX created"), ("type", "Standard"), ("status", "Enabled"),
            ("visibility", "Private"), ("approval", "Manually approve"), ("benefit", "Free charging"), ("question", ""),
        ])
        XCTAssertEqual(created.status, 303, client.text(created))
        XCTAssertTrue(location(created).contains("/invite?done=created&n=1&ns="), location(created))
        let page = client.text(client.get(location(created)))
        XCTAssertTrue(page.contains("Connection created. Next, invite drivers: send them the invite link below, or share or print its QR code."))
    }

    func testErrorPagesKeepTheNavigationAndDriversGetTheirOwn() throws {
        let client = try signedIn()
        let missing = client.get("/connections/99999999/invite")
        XCTAssertEqual(missing.status, 404)
        XCTAssertTrue(client.text(missing).contains("<nav aria-label=\"Main\">"), "the console's navigation stays")
        // A dead invite link: the driver's header, what to do, and no way into the console.
        let dead = client.get("/join/no-such-token-aaaaaaaaaaaaaaaa")
        let text = client.text(dead)
        XCTAssertEqual(dead.status, 410)
        XCTAssertTrue(text.contains("for the new invite link or QR code.") && text.contains("<strong>https://connect.example.test/find</strong>"), text)
        XCTAssertTrue(text.contains("href=\"/find\""))
        XCTAssertFalse(text.contains("/connections") || text.contains("Driver Management") || text.contains("Sign out"), text)
    }

    func testDriverPagesCarryTheHostsNameAndReadRight() throws {
        let client = try TestClient()
        let other = try client.otherConnection()
        let id = try client.scalar("SELECT min(id) FROM connections WHERE status = 'Enabled'")
        try other.run("UPDATE organizations SET name = 'Acme Robotics' WHERE id = (SELECT org_id FROM connections WHERE id = \(p: 1))", [.init(id)])
        let token = try other.query("SELECT invite_token FROM connections WHERE id = \(p: 1)", [.init(id)]) { $0.text(0) }[0]
        let page = client.text(client.get("/join/\(token)"))
        XCTAssertTrue(page.contains("<span class=\"brand\"><span class=\"brand-mark\" aria-hidden=\"true\">⚡</span> Acme Robotics</span>"), page)
        XCTAssertTrue(page.contains("Benefits at Acme Robotics&#39; chargers"), page)
        XCTAssertFalse(page.contains("href=\"/connections\"") || page.contains("Driver Management"))
        XCTAssertEqual(Format.possessive("Acme Robotics"), "Acme Robotics'")
        XCTAssertEqual(Format.possessive("Northgate University"), "Northgate University's")
    }

    func testTheAuditLogReadsAsText() throws {
        let client = try signedIn()
        let id = try client.scalar("SELECT min(id) FROM connections WHERE status = 'Enabled'")
        XCTAssertEqual(try client.post("/connections/\(id)/status", [("status", "Disabled")]).status, 303)
        let org = try client.scalar("SELECT min(id) FROM organizations")
        _ = try client.post("/connections/new", [
            ("org", String(org)), ("name_for_drivers", "Acme"), ("name", "Audited"), ("type", "Standard"), ("status", "Enabled"),
            ("visibility", "Public"), ("approval", "Manually approve"), ("benefit", "Free charging"), ("question", "Employee ID"),
        ])
        let page = client.text(client.get("/audit"))
        XCTAssertTrue(page.contains("<li>Enabled → Disabled</li>"), page)
        XCTAssertTrue(page.contains("<li>Name: Audited</li>") && page.contains("<li>Questions: Employee ID</li>"), page)
        XCTAssertFalse(page.contains("{&quot;") || page.contains("&quot;:"), "no raw JSON")
        // The frame that scrolls can be reached by the keyboard.
        XCTAssertTrue(page.contains("<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" aria-label=\"Audit log entries\">"))
        XCTAssertEqual(AuditPage.readable(#"{"before":"{\"name\":\"A\",\"status\":\"Enabled\"}","after":"{\"name\":\"A\",\"status\":\"Disabled\"}"}"#),
                       ["Status: Enabled → Disabled"])
        XCTAssertEqual(AuditPage.readable(#"{"columns":"org_id,name","format":"CSV"}"#), ["Columns: Org ID, Connection Name", "Format: CSV"])
    }

    func testTheTableCarriesWhatNarrowScreensAndTheKeyboardNeed() throws {
        let client = try signedIn()
        let page = client.text(client.get("/connections"))
        // Each header names its least width and where focus returns after sorting; cells carry nothing more.
        XCTAssertFalse(page.contains("data-label"), "the phone's labels come from the header, by the script")
        XCTAssertTrue(page.contains("<th scope=\"col\" aria-sort=\"none\" class=\"w-s num\">"))
        XCTAssertTrue(page.contains("#sort-connected_drivers\" id=\"sort-connected_drivers\" data-column=\"connected_drivers\""))
        XCTAssertTrue(page.contains("href=\"/connections?edit=columns#column-panel\""))
        XCTAssertTrue(page.contains("action=\"/connections#filter-panel\""))
        // One connection: "connection", not "connections".
        let name = try client.otherConnection().query("SELECT search_code FROM connections WHERE id = (SELECT min(id) FROM connections)") { $0.text(0) }[0]
        XCTAssertTrue(client.text(client.get("/connections?f=search_code&op=is&v=\(name)")).contains("1–1 of 1 connection</p>"))
        XCTAssertTrue(client.text(client.get("/connections?cols=name&edit=export")).contains("— the 1 column shown now</span>"))
    }

    func testCSVDateTimesAreOnesSpreadsheetsRead() throws {
        let client = try signedIn()
        let response = try client.post("/connections/export", [("state", "cols=name,created_at"), ("scope", "visible"), ("format", "csv")])
        let lines = client.text(response).components(separatedBy: "\r\n")
        XCTAssertEqual(lines[0], "Connection Name,Created (UTC)")
        XCTAssertNotNil(lines[1].wholeMatch(of: /.*,\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/), lines[1])
    }
}
