import Domain
import FastCGI
import Storage
import XCTest
@testable import Web

/// The Webhooks page: an Admin adds a webhook (the secret once, the form's problems by field), sees
/// its delivery log, sends a test event, rotates the secret, pauses, resends and deletes, each with
/// a plain form; other roles get no page.
final class WebhooksPageTests: XCTestCase {
    func client() throws -> TestClient {
        try TestClient(connections: 10) { configuration in
            configuration.installationKey = InstallationKey.generate()
            configuration.webhooksAllowPrivate = false
        }
    }

    func testAnAdminAddsAWebhookSeesItsLogAndActsOnIt() throws {
        let client = try client()
        try client.signIn(DemoData.adminEmail)
        XCTAssertTrue(client.text(client.get("/connections")).contains(#"href="/webhooks""#), "in the Admin's menu")
        let org = String(try client.scalar("SELECT min(org_id) FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.email = \(p: 1)",
                                           [.text(DemoData.adminEmail)]))
        let empty = client.get("/webhooks")
        XCTAssertEqual(empty.status, 200)
        XCTAssertTrue(client.text(empty).contains("No webhooks yet."))

        // Problems by field: plain http is refused here (the operator has not allowed it), no event chosen.
        let refused = try client.post("/webhooks", [("org", org), ("url", "http://hr.example.com/hooks"), ("description", "HR")])
        XCTAssertEqual(refused.status, 400)
        XCTAssertTrue(client.text(refused).contains("Use an https:// address"), client.text(refused))
        XCTAssertTrue(client.text(refused).contains("Choose at least one event."))
        XCTAssertTrue(client.text(refused).contains(#"value="http://hr.example.com/hooks""#), "what was typed stays")

        let made = try client.post("/webhooks", [("org", org), ("url", "https://hr.example.com/hooks"), ("description", "HR"), ("events", "membership.approved"),
                                                 ("events", "connection.created")])
        XCTAssertEqual(made.status, 201, client.text(made))
        let page = client.text(made)
        let secret = try XCTUnwrap(page.range(of: #"whsec_[A-Za-z0-9+/=]+"#, options: .regularExpression).map { String(page[$0]) })
        let id = try client.scalar("SELECT max(id) FROM webhook_subscriptions")
        XCTAssertFalse(client.text(client.get("/webhooks/\(id)")).contains(secret), "shown once")
        XCTAssertTrue(client.text(client.get("/webhooks")).contains("https://hr.example.com/hooks"))

        let tested = try client.post("/webhooks/\(id)", [("action", "test")])
        XCTAssertEqual(tested.status, 303)
        let log = client.text(client.get(client.header(tested, "Location") ?? ""))
        XCTAssertTrue(log.contains("A test event was queued"), log)
        XCTAssertTrue(log.contains("<code>webhook.test</code>"))

        let rotated = try client.post("/webhooks/\(id)", [("action", "rotate")])
        XCTAssertEqual(rotated.status, 200)
        XCTAssertTrue(client.text(rotated).contains("whsec_"))
        XCTAssertFalse(client.text(rotated).contains(secret))
        XCTAssertTrue(client.text(client.get("/webhooks/\(id)")).contains("also signs until"))

        XCTAssertTrue(client.text(client.get(client.header(try client.post("/webhooks/\(id)", [("action", "pause")]), "Location") ?? "")).contains("Paused"))
        let resent = try client.post("/webhooks/\(id)", [("action", "resend-failed"), ("since", "2026-01-01T00:00:00Z")])
        XCTAssertTrue(client.text(client.get(client.header(resent, "Location") ?? "")).contains("0 deliveries queued"))
        XCTAssertEqual(try client.post("/webhooks/\(id)", [("action", "resend-failed"), ("since", "yesterday")]).status, 400)
        XCTAssertEqual(try client.post("/webhooks/\(id)", [("action", "explode")]).status, 400)
        let deleted = try client.post("/webhooks/\(id)", [("action", "delete")])
        XCTAssertEqual(client.header(deleted, "Location"), "/webhooks?deleted=1")
        XCTAssertEqual(client.get("/webhooks/\(id)").status, 404)
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM audit_log WHERE action LIKE '%webhook%'"), 5)
    }

    func testOtherRolesHaveNoWebhooksPage() throws {
        let client = try client()
        try client.signIn(DemoData.officerEmail)
        XCTAssertEqual(client.get("/webhooks").status, 403)
        XCTAssertFalse(client.text(client.get("/connections")).contains(#"href="/webhooks""#))
    }
}
