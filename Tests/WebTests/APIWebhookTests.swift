import Domain
import FastCGI
import Storage
import XCTest
@testable import Web

/// Webhooks through the API: subscribe (the secret once), list, the delivery log of a change made
/// through the API, test events, resend, rotation, pause and delete; Admins only; the document's
/// `webhooks` section, one per event type, validating every delivery body written here.
final class APIWebhookTests: APITestCase {
    func client() throws -> TestClient {
        let client = try TestClient(connections: 20) { configuration in
            configuration.installationKey = InstallationKey.generate()
            configuration.webhooksAllowPrivate = true
        }
        clients.append(client)
        return client
    }

    func testSubscribeSeeDeliveriesTestRotateResendPauseDelete() throws {
        let client = try client()
        let token = try client.token(for: DemoData.adminEmail)
        let org = try client.scalar("SELECT min(org_id) FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.email = \(p: 1)",
                                    [.text(DemoData.adminEmail)])
        let created = client.api("POST", "/api/v1/webhooks", token: token, json: [
            "organization_id": .int(org), "url": "http://127.0.0.1:9/hooks", "events": ["connection.created", "connection.disabled"],
            "description": "Fleet system"])
        XCTAssertEqual(created.status, 201, client.text(created))
        let answer = client.json(created)
        guard let id = answer["webhook"]?["id"]?.int, let secret = answer["secret"]?.string else { return XCTFail("\(answer)") }
        XCTAssertTrue(secret.hasPrefix("whsec_"))
        XCTAssertEqual(answer["webhook"]?["events"], ["connection.created", "connection.disabled"])
        XCTAssertFalse(client.text(client.api("GET", "/api/v1/webhooks/\(id)", token: token)).contains(secret), "shown once")
        XCTAssertEqual(client.json(client.api("GET", "/api/v1/webhooks", token: token))["webhooks"]?.array?.count, 1)

        // A change through the API is in the log, with its payload; a test event too.
        let made = client.api("POST", "/api/v1/connections", token: token, json: [
            "organization_id": .int(org), "name": "Hooked", "name_for_drivers": "Acme", "benefits": ["Free charging"]])
        XCTAssertEqual(made.status, 201, client.text(made))
        XCTAssertEqual(client.api("POST", "/api/v1/webhooks/\(id)/test", token: token).status, 202)
        let log = client.json(client.api("GET", "/api/v1/webhooks/\(id)/deliveries", token: token))["deliveries"]?.array ?? []
        XCTAssertEqual(log.compactMap { $0["type"]?.string }, ["webhook.test", "connection.created"])
        XCTAssertEqual(log.last?["payload"]?["data"]?["name"]?.string, "Hooked")
        XCTAssertEqual(log.last?["state"]?.string, "queued")

        // Resend takes finished deliveries only; rotation gives a new secret; pause and delete.
        XCTAssertEqual(client.api("POST", "/api/v1/webhooks/\(id)/resend", token: token, json: ["delivery_id": .int(log[0]["id"]?.int ?? 0)]).status, 409)
        XCTAssertEqual(client.api("POST", "/api/v1/webhooks/\(id)/resend", token: token, json: [:]).status, 400)
        XCTAssertEqual(client.json(client.api("POST", "/api/v1/webhooks/\(id)/resend", token: token,
                                              json: ["failed_since": "2026-01-01T00:00:00Z"]))["queued"]?.int, 0)
        let rotated = client.json(client.api("POST", "/api/v1/webhooks/\(id)/rotate", token: token))
        XCTAssertNotEqual(rotated["secret"]?.string, secret)
        XCTAssertNotNil(rotated["webhook"]?["previous_secret_until"]?.string)
        XCTAssertEqual(client.json(client.api("POST", "/api/v1/webhooks/\(id)/pause", token: token))["enabled"], .bool(false))
        XCTAssertEqual(client.json(client.api("POST", "/api/v1/webhooks/\(id)/enable", token: token))["enabled"], .bool(true))
        XCTAssertEqual(client.api("DELETE", "/api/v1/webhooks/\(id)", token: token).status, 204)
        XCTAssertEqual(client.api("GET", "/api/v1/webhooks/\(id)", token: token).status, 404)
    }

    func testBadInputAndOtherRolesAreRefused() throws {
        let client = try client()
        let token = try client.token(for: DemoData.adminEmail)
        let org = try client.scalar("SELECT min(org_id) FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.email = \(p: 1)",
                                    [.text(DemoData.adminEmail)])
        for (body, detail) in [
            (["organization_id": .int(org), "url": "ftp://example.com/x", "events": ["connection.created"]] as JSON,
             "Enter the receiver's address, like https://example.com/webhooks."),
            (["organization_id": .int(org), "url": "https://example.com/x", "events": ["connection.exploded"]], nil),
            (["organization_id": .int(org), "url": "https://example.com/x", "events": []], "Choose at least one event."),
            (["url": "https://example.com/x", "events": ["connection.created"]], "Name the organization the webhook is for: “organization_id”."),
        ] {
            let answer = client.json(client.api("POST", "/api/v1/webhooks", token: token, json: body))
            XCTAssertEqual(answer["status"]?.int, 400, "\(body)")
            if let detail { XCTAssertEqual(answer["detail"]?.string, detail) }
        }
        let officer = try client.token(for: DemoData.officerEmail)
        XCTAssertEqual(client.api("GET", "/api/v1/webhooks", token: officer).status, 403)
        XCTAssertEqual(client.api("POST", "/api/v1/webhooks", token: officer, json: [
            "organization_id": .int(org), "url": "https://example.com/x", "events": ["connection.created"]]).status, 403)
    }

    func testTheDocumentDescribesEveryEventsPayload() throws {
        let document = try JSON.parse(OpenAPIDocument.bytes)
        for type in WebhookEventType.allCases {
            let operation = document["webhooks"]?[type.rawValue]?["post"]
            XCTAssertNotNil(operation?["requestBody"], type.rawValue)
            let schema = document["components"]?["schemas"]?[WebhookDocument.schemaName(type)]
            XCTAssertEqual(schema?["properties"]?["type"]?["const"]?.string, type.rawValue)
        }
        XCTAssertEqual(document["components"]?["schemas"]?["WebhookEventType"]?["enum"]?.array?.count, WebhookEventType.subscribable.count)
    }
}
