import Domain
import FastCGI
import Storage
import XCTest
@testable import Web

/// Issue 22: the API's bodies decode into `CreateConnection` and `UpdateConnection`; a PATCH merges
/// with the stored values under its version and is refused only for a combination invalid once
/// merged; every door's change is one command and one event.
final class APIConnectionChangeTests: APITestCase {
    func create(_ client: TestClient, token: String, _ members: [(String, JSON)]) throws -> Int {
        let org = try client.scalar("SELECT min(org_id) FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.email = \(p: 1)", [.text(DemoData.adminEmail)])
        let created = client.api("POST", "/api/v1/connections", token: token, json: .object([
            ("organization_id", .int(org)), ("name_for_drivers", "Acme"), ("benefits", ["Free charging", "Discounted charging"]), ("discount_percent", 20),
            ("approval_type", "Automatically approve by email domain"), ("email_domains", ["acme.example"]),
        ] + members))
        XCTAssertEqual(created.status, 201, client.text(created))
        return try XCTUnwrap(client.json(created)["id"]?.int)
    }

    func testAPatchMergesWithTheStoredValuesAndChecksTheMergedConnection() throws {
        let client = try makeClient()
        let token = try client.token(for: DemoData.adminEmail)
        let id = try create(client, token: token, [("name", "Merged")])
        // One linked field alone: the value it goes with is the stored one (these were refused, or dropped the stored value).
        let steps: [(JSON, String, JSON)] = [
            (["version": 1, "approval_type": "Automatically approve by email domain"], "email_domains", ["acme.example"]),
            (["version": 2, "benefits": ["Discounted charging", "Public charging"]], "discount_percent", 20),
            (["version": 3, "discount_percent": 35], "discount_percent", 35),
            (["version": 4, "email_domains": ["fleet.example", "Acme.example"]], "email_domains", ["acme.example", "fleet.example"]),
        ]
        for (body, field, value) in steps {
            let changed = client.api("PATCH", "/api/v1/connections/\(id)", token: token, json: body)
            XCTAssertEqual(changed.status, 200, "\(body): \(client.text(changed).prefix(300))")
            XCTAssertEqual(client.json(changed)[field], value, "\(body)")
        }
        let now = client.json(client.api("GET", "/api/v1/connections/\(id)", token: token))
        XCTAssertEqual(now["benefits"], ["Discounted charging", "Public charging"])
        XCTAssertEqual(now["approval_type"]?.string, "Automatically approve by email domain")
        // Invalid once merged: a discount without its benefit, an approval by domain with no domains left.
        let discount = client.api("PATCH", "/api/v1/connections/\(id)", token: token, json: ["version": 5, "benefits": ["Free charging"], "discount_percent": 10])
        XCTAssertEqual(discount.status, 400)
        XCTAssertEqual(client.json(discount)["errors"]?["discount_percent"]?.string, "“discount_percent” goes with “benefits” holding "
                       + "“Discounted charging” in the same request, since only that benefit keeps it: send both, or no discount.")
        let noDomains = client.api("PATCH", "/api/v1/connections/\(id)", token: token, json: ["version": 5, "email_domains": []])
        XCTAssertEqual(noDomains.status, 409, "the stored approval type needs them: the state is in the way, not the body")
        XCTAssertEqual(client.json(noDomains)["errors"]?["email_domains"]?.string, "List the email domains to approve, like example.com.")
        // Leaving the approval type takes its domains along; the discount goes with its benefit.
        let manual = client.api("PATCH", "/api/v1/connections/\(id)", token: token, json: ["version": 5, "approval_type": "Manually approve",
                                                                                              "benefits": ["Free charging"]])
        XCTAssertEqual(manual.status, 200, client.text(manual))
        XCTAssertEqual(client.json(manual)["email_domains"], [])
        XCTAssertEqual(client.json(manual)["discount_percent"], .null)
        let discountAlone = client.api("PATCH", "/api/v1/connections/\(id)", token: token, json: ["version": 6, "discount_percent": 10])
        XCTAssertEqual(discountAlone.status, 409, "the stored benefits do not keep a discount")
        XCTAssertEqual(client.json(discountAlone)["errors"]?["discount_percent"]?.string, ConnectionSettings.discountUnkept)
        XCTAssertEqual(try client.scalar("SELECT version FROM connections WHERE id = \(p: 1)", [.init(id)]), 6, "refused changes wrote nothing")
    }

    func testAPatchWithoutVersionNamesTheConnectionsAddress() throws {
        let client = try makeClient()
        let token = try client.token(for: DemoData.adminEmail)
        let id = try create(client, token: token, [("name", "Versionless")])
        let refused = client.api("PATCH", "/api/v1/connections/\(id)", token: token, json: ["name": "x"])
        XCTAssertEqual(refused.status, 400)
        let detail = client.json(refused)["detail"]?.string ?? ""
        XCTAssertTrue(detail.contains("GET /api/v1/connections/\(id))"), detail)
        XCTAssertFalse(detail.contains("{id}"), detail)
    }

    /// Each door's change is one command with one event: the API's create and change, the form's edit.
    func testEachChangeRecordsOneEvent() throws {
        let client = try makeClient()
        let token = try client.token(for: DemoData.adminEmail)
        func kinds() throws -> [String] {
            try client.otherConnection().query("SELECT kind FROM domain_events ORDER BY id") { $0.text(0) }
        }
        let before = try kinds()
        let id = try create(client, token: token, [("name", "Evented")])
        XCTAssertEqual(client.api("PATCH", "/api/v1/connections/\(id)", token: token, json: ["version": 1, "status": "Disabled"]).status, 200)
        XCTAssertEqual(client.api("PATCH", "/api/v1/connections/\(id)", token: token, json: ["version": 1, "status": "Enabled"]).status, 409)
        XCTAssertEqual(client.api("POST", "/api/v1/connections/\(id)/enable", token: token).status, 200)
        try client.signIn(DemoData.adminEmail)
        let form = client.text(client.get("/connections/\(id)/edit"))
        XCTAssertTrue(form.contains("name=\"version\" value=\"3\""), String(form.prefix(200)))
        let saved = try client.post("/connections/\(id)/edit", [
            ("name_for_drivers", "Acme"), ("name", "Evented by form"), ("type", "Standard"), ("status", "Enabled"), ("visibility", "Private"),
            ("approval", "Manually approve"), ("benefit", "Free charging"), ("question", ""), ("version", "3"),
        ])
        XCTAssertEqual(saved.status, 303, client.text(saved))
        XCTAssertEqual(Array(try kinds().dropFirst(before.count)),
                       ["connection.created", "connection.updated", "connection.status_changed", "connection.updated"])
        let last = try XCTUnwrap(DomainEvents(database: client.otherConnection()).after(0).last)
        XCTAssertEqual(last.event.connectionID, id)
        XCTAssertEqual(last.event.payload["changed"], ["name", "approval_type", "benefits", "discount_percent", "email_domains"])
    }
}
