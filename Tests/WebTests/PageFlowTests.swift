import Domain
import FastCGI
import XCTest
@testable import Web

/// Page states, the approval rules of a driver's request, and the CSV export, in-process.
final class PageFlowTests: XCTestCase {
    func testTheTableKeepsItsStateInTheAddressAndRefusesBadState() throws {
        let client = try TestClient()
        try client.signIn(DemoData.adminEmail)
        let page = client.text(client.get("/connections?sort=connected_drivers&order=desc&size=25&page=2"))
        XCTAssertTrue(page.contains("aria-sort=\"descending\""))
        XCTAssertTrue(page.contains("26–50 of 120"), "page 2 of 25 rows")
        XCTAssertEqual(client.get("/connections?sort=nope").status, 400)
        XCTAssertEqual(client.get("/connections?size=201").status, 400)
        XCTAssertEqual(client.get("/connections?page=999").status, 200, "past the end shows the last page")
        XCTAssertEqual(client.get("/connections?f=name&op=contains&v=").status, 400, "an unfinished filter is a 400 on the page")
    }

    /// A driver's request through the join form: the state the connection's approval type gives it.
    func join(_ client: TestClient, approval: String, status: String = "Enabled", email: String) throws -> Response {
        let other = try client.otherConnection()
        let id = try client.scalar("SELECT min(id) FROM connections WHERE questions_list = '' AND approval_type <> 'Automatically approve by email domain'")
        try other.run("UPDATE connections SET approval_type = \(p: 2), status = \(p: 3) WHERE id = \(p: 1)", [.init(id), .text(approval), .text(status)])
        let token = try other.query("SELECT invite_token FROM connections WHERE id = \(p: 1)", [.init(id)]) { $0.text(0) }[0]
        _ = client.get("/join/\(token)")
        let csrf = client.cookies[DriverPages.formToken.cookie] ?? ""
        return client.request("POST", "/join/\(token)", form: [("csrf", csrf), ("name", "Rule Tester"), ("email", email), ("terms", "yes")])
    }

    func testTheApprovalTypeDecidesARequest() throws {
        let client = try TestClient()
        // By email domain: held Pending even for an allow-listed domain, since nobody proved they read the address.
        let domainConnection = try client.scalar("SELECT min(id) FROM connections WHERE questions_list = '' AND approval_type <> 'Automatically approve by email domain'")
        try client.otherConnection().run("INSERT INTO connection_email_domains VALUES (\(p: 1), 'example.test') ON CONFLICT DO NOTHING", [.init(domainConnection)])
        for (approval, state) in [("Automatically approve all", "Connected"), ("Manually approve", "Pending"),
                                  ("Automatically approve by email domain", "Pending")] {
            let email = "rules-\(approval.split(separator: " ").last!.lowercased())@example.test"
            let answer = try join(client, approval: approval, email: email)
            XCTAssertEqual(answer.status, 303, approval)
            let status = client.get(try XCTUnwrap(client.header(answer, "Location")))
            XCTAssertTrue(client.text(status).contains(state), "\(approval) -> \(state)")
            XCTAssertEqual(try client.scalar("SELECT count(*) FROM memberships m JOIN drivers d ON d.id = m.driver_id WHERE d.email = \(p: 1) AND m.state = \(p: 2)",
                                             [.text(email), .text(state)]), 1)
        }
        let refused = try join(client, approval: "Automatically approve all", status: "Disabled", email: "rules-disabled@example.test")
        XCTAssertNotEqual(refused.status, 303, "a disabled connection takes no requests")
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM drivers WHERE email = 'rules-disabled@example.test'"), 0)
    }

    func testTheCSVExportIsRFC4180WithEveryRow() throws {
        let client = try TestClient()
        try client.signIn(DemoData.adminEmail)
        let other = try client.otherConnection()
        let id = try client.scalar("SELECT min(id) FROM connections")
        try other.run("UPDATE connections SET name = \(p: 2) WHERE id = \(p: 1)", [.init(id), .text("Say \"hi\", then =1+1")])
        let response = try client.post("/connections/export", [("format", "csv"), ("scope", "visible"), ("state", "")])
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(client.header(response, "Content-Type"), "text/csv; charset=utf-8")
        let text = client.text(response)
        let lines = text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        XCTAssertEqual(lines.first, ColumnCatalog.defaultVisible.map(\.label).joined(separator: ","))
        XCTAssertTrue(text.contains("\"Say \"\"hi\"\", then =1+1\""), "quotes doubled, the field quoted")
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM connections"), 120)
        XCTAssertGreaterThanOrEqual(lines.count, 121, "a header and every row")
        XCTAssertFalse(text.contains("EXPORT INCOMPLETE"))
    }
}
