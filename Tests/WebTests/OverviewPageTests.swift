import Domain
import FastCGI
import Foundation
import Storage
import XCTest
@testable import Web

/// /overview and /api/v1/overview in-process, on either database: the landing page of Admins and
/// officers (Viewers keep the table), its charts drawn as SVG with their titles, summaries and
/// tables, its numbers equal to the database's, one organization at a time, and the same figures as JSON.
final class OverviewPageTests: XCTestCase {
    func testAdminsAndOfficersLandOnTheOverviewAndViewersOnTheTable() throws {
        let client = try TestClient()
        for (email, landing) in [(DemoData.adminEmail, "/overview"), (DemoData.officerEmail, "/overview"), (DemoData.viewerEmail, "/connections")] {
            client.signOut()
            let form = client.get("/login")
            XCTAssertTrue(client.text(form).contains(#"name="next" value="/""#), "nothing asked: back to /")
            try client.signIn(email)
            XCTAssertEqual(client.header(client.get("/"), "Location"), landing, email)
        }
        XCTAssertTrue(client.text(client.get("/connections")).contains(#"<a href="/overview">Overview</a>"#), "the navigation names the overview")
    }

    func testTheChartsShowTheDatabasesNumbers() throws {
        let client = try TestClient()
        try client.signIn(DemoData.adminEmail)
        let page = client.get("/overview")
        XCTAssertEqual(page.status, 200)
        let html = client.text(page)
        let pending = try client.scalar("SELECT count(*) FROM memberships WHERE state = 'Pending'")
        let empty = try client.scalar("SELECT count(*) FROM connections WHERE connected_drivers = 0")
        XCTAssertEqual(html.components(separatedBy: #"<svg class="chart""#).count - 1, 6, "six charts, one by organization")
        XCTAssertEqual(html.components(separatedBy: #"role="img""#).count - 1, 6)
        for title in ["Requests waiting, last 90 days", "How long requests have waited", "Joins and removals per week, last 12 months",
                      "Email invites sent and drivers joined per week", "Drivers per connection, top 20", "Requests waiting by organization, top 10"] {
            XCTAssertTrue(html.contains("<h2 id=\"chart-") && html.contains(">\(title)</h2>"), title)
        }
        XCTAssertTrue(html.contains("\(Format.integer(pending)) requests wait, "), "the backlog's summary")
        XCTAssertTrue(html.contains("Open the \(Format.integer(empty)) connection"), "the link to the empty connections")
        XCTAssertTrue(html.contains(#"href="/connections?f=connected_drivers&amp;op=is&amp;v=0""#))
        // The top connection by drivers heads its table, linked to its page.
        let database = try client.otherConnection()
        let top = try database.query("SELECT id, name, connected_drivers FROM connections ORDER BY connected_drivers DESC, id DESC LIMIT 1") {
            (id: $0.int(0), name: $0.text(1), drivers: $0.int(2))
        }[0]
        XCTAssertTrue(html.contains("<th scope=\"row\"><a href=\"/connections/\(top.id)\">"), "top connection \(top)")

        // One organization: the officer's, with its own numbers.
        let organization = try client.scalar("SELECT min(id) FROM organizations")
        let one = client.text(client.get("/overview?org=\(organization)"))
        let itsPending = try client.scalar("""
            SELECT count(*) FROM memberships m JOIN connections c ON c.id = m.connection_id WHERE m.state = 'Pending' AND c.org_id = \(p: 1)
            """, [.init(organization)])
        XCTAssertTrue(one.contains("\(Format.integer(itsPending)) request\(itsPending == 1 ? "" : "s") wait"), "one organization's backlog")
        XCTAssertFalse(one.contains("Requests waiting by organization"))
        XCTAssertEqual(client.get("/overview?org=abc").status, 400)
        XCTAssertEqual(client.get("/overview?org=999999").status, 404)
    }

    func testTheAPIAnswersTheSameFigures() throws {
        let client = try TestClient()
        let token = try client.token(for: DemoData.adminEmail)
        let answer = client.api("GET", "/api/v1/overview", token: token)
        XCTAssertEqual(answer.status, 200)
        let json = client.json(answer)
        let pending = try client.scalar("SELECT count(*) FROM memberships WHERE state = 'Pending'")
        let connected = try client.scalar("SELECT count(*) FROM memberships WHERE state = 'Connected'")
        XCTAssertEqual(json["pending"]?.int, pending)
        XCTAssertEqual(json["connected"]?.int, connected)
        XCTAssertEqual(json["backlog"]?.array?.count, Overview.backlogDays)
        XCTAssertEqual(json["backlog"]?.array?.last?["count"]?.int, pending)
        XCTAssertEqual(json["weeks"]?.array?.count, Overview.weekCount)
        XCTAssertEqual(json["pending_by_age"]?.array?.compactMap { $0["count"]?.int }.reduce(0, +), pending)
        XCTAssertEqual(client.api("GET", "/api/v1/overview?org=abc", token: token).status, 400)
        XCTAssertEqual(client.api("GET", "/api/v1/overview?nope=1", token: token).status, 400, "an undeclared parameter")
        XCTAssertEqual(client.api("GET", "/api/v1/overview?org=\(try client.scalar("SELECT min(id) FROM organizations"))", token: token).status, 200)
        XCTAssertEqual(try client.apiAnswersBreakingTheDocument(), [], "every answer as the OpenAPI document describes it")
    }
}
