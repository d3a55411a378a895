import Domain
import FastCGI
import XCTest
@testable import Web

/// POST /api/v1/connections/{id}/memberships/import: a dry run answers the plan and changes
/// nothing; the same call without it applies it (pinned by `plan`); bad bodies and modes are 400s;
/// every answer matches the OpenAPI document.
final class APIRosterImportTests: APITestCase {
    func importing(_ client: TestClient, _ target: String, token: String, _ text: String, type: String = "text/csv") -> Response {
        client.send("POST", target, headers: ["authorization": "Bearer \(token)", "content-type": type], body: Array(text.utf8))
    }

    func testADryRunThenTheImportOfExactlyThatPlan() throws {
        let client = try makeClient(connections: 3)
        let token = try client.token(for: DemoData.adminEmail)
        let id = try client.scalar("SELECT min(id) FROM connections")
        let path = "/api/v1/connections/\(id)/memberships/import"
        let file = "Email,Name\napi.one@fleet.example,Api One\nnot-an-address,X\n"

        let dry = client.json(importing(client, path + "?mode=add_and_connect&dry_run=true&filename=hr.csv", token: token, file))
        XCTAssertEqual(dry["applied"], false)
        XCTAssertEqual(dry["counts"]?["new"], 1)
        XCTAssertEqual(dry["invalid"]?.array?.first?["reason"], "not an email address")
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM drivers WHERE email = 'api.one@fleet.example'"), 0)
        // Invalid rows: nothing applied.
        XCTAssertEqual(importing(client, path + "?mode=add_and_connect", token: token, file).status, 400)

        let fixed = "Email,Name\napi.one@fleet.example,Api One\n"
        let plan = try XCTUnwrap(client.json(importing(client, path + "?mode=add_and_connect&dry_run=true", token: token, fixed))["plan"]?.string)
        let applied = importing(client, path + "?mode=add_and_connect&filename=hr.csv&plan=\(plan)", token: token, fixed)
        XCTAssertEqual(applied.status, 200, client.text(applied))
        XCTAssertEqual(client.json(applied)["applied"], true)
        XCTAssertEqual(try client.scalar("""
            SELECT count(*) FROM memberships m JOIN drivers d ON d.id = m.driver_id WHERE d.email = 'api.one@fleet.example' AND m.state = 'Connected'
            """), 1)
        // The same plan again: the roster changed, so nothing happens.
        XCTAssertEqual(importing(client, path + "?mode=add_and_connect&plan=\(plan)", token: token, fixed).status, 409)

        XCTAssertEqual(importing(client, path, token: token, "{}", type: "application/json").status, 400)
        XCTAssertEqual(importing(client, path + "?mode=merge", token: token, fixed).status, 400)
        XCTAssertEqual(importing(client, path + "?dry_run=yes", token: token, fixed).status, 400)
        let viewer = try client.token(for: DemoData.viewerEmail)
        XCTAssertTrue([403, 404].contains(importing(client, path + "?dry_run=true", token: viewer, fixed).status))
    }

    /// Past 200,000 rows or 20 MB: 413 naming the limit, nothing read further.
    func testAFileOverTheLimitIs413WithTheLimit() throws {
        let client = try makeClient(connections: 3)
        let token = try client.token(for: DemoData.adminEmail)
        let path = "/api/v1/connections/\(try client.scalar("SELECT min(id) FROM connections"))/memberships/import?dry_run=true"
        let rows = importing(client, path, token: token, "Email\n" + String(repeating: "a@b.example\n", count: ImportLimit.rows + 1))
        XCTAssertEqual(rows.status, 413)
        XCTAssertTrue(client.text(rows).contains("at most 200000 rows"), client.text(rows))
        let bytes = client.send("POST", path, headers: ["authorization": "Bearer \(token)", "content-type": "text/csv"],
                                body: [UInt8](repeating: 0x41, count: ImportLimit.bytes + 1))
        XCTAssertEqual(bytes.status, 413)
        XCTAssertTrue(client.text(bytes).contains("at most 20 MB"), client.text(bytes))
    }

    /// The table's export of every column through the API, imported back: nothing changes; one edited status is
    /// exactly that change, applied as previewed.
    func testTheConnectionsExportImportedBackThroughTheAPI() throws {
        let client = try makeClient(connections: 3)
        let token = try client.token(for: DemoData.adminEmail)
        let columns = ColumnCatalog.all.map(\.key).joined(separator: ",")
        let exported = client.text(client.send("GET", "/api/v1/connections/export.csv?cols=\(columns)&sort=name",
                                               headers: ["authorization": "Bearer \(token)"], body: []))
        let asIs = client.json(importing(client, "/api/v1/connections/import?dry_run=true", token: token, exported))
        XCTAssertEqual(asIs["counts"]?["unchanged"], 3, "\(asIs)")
        XCTAssertEqual(asIs["counts"]?["changed"], 0)
        var lines = exported.components(separatedBy: "\r\n")
        let status = lines[1].contains(",Enabled,") ? ("Enabled", "Disabled") : ("Disabled", "Enabled")
        lines[1] = lines[1].replacingOccurrences(of: ",\(status.0),", with: ",\(status.1),")
        let edited = lines.joined(separator: "\r\n")
        let dry = client.json(importing(client, "/api/v1/connections/import?dry_run=true", token: token, edited))
        XCTAssertEqual(dry["counts"]?["changed"], 1, "\(dry)")
        XCTAssertEqual(dry["changed"]?.array?.first?["changes"], .array([.object([("column", "Connection Status"), ("before", .string(status.0)),
                                                                                    ("after", .string(status.1))])]))
        let plan = try XCTUnwrap(dry["plan"]?.string)
        let applied = importing(client, "/api/v1/connections/import?filename=edited.csv&plan=\(plan)", token: token, edited)
        XCTAssertEqual(applied.status, 200, client.text(applied))
        let id = try XCTUnwrap(dry["changed"]?.array?.first?["id"]?.int)
        XCTAssertEqual(try client.otherConnection().query("SELECT status FROM connections WHERE id = \(p: 1)", [.init(id)]) { $0.text(0) }, [status.1])
        XCTAssertEqual(importing(client, "/api/v1/connections/import?plan=\(plan)", token: token, edited).status, 409)
    }
}
