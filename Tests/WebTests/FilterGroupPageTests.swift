import Domain
import FastCGI
import Storage
import XCTest
@testable import Web

/// Filter groups through the page (the builder without JavaScript), the API and the export.
final class FilterGroupPageTests: APITestCase {
    /// (Name contains "sta" or Name contains "flee") and (Benefits contains "free" or Status is Disabled).
    static let grouped = "f=name&op=contains&v=sta&g=1&f=name&op=contains&v=flee&g=1&f=benefits&op=contains&v=free&g=2"
        + "&f=status&op=is&v=Disabled&g=2&gm=any,any"

    func testThePageTheAPIAndTheExportReadGroups() throws {
        let client = try makeClient(connections: 300)
        try client.signIn(DemoData.adminEmail)
        let html = client.text(client.get("/connections?" + Self.grouped + "&size=200"))
        XCTAssertTrue(html.contains("where (Connection Name contains “sta” or Connection Name contains “flee”) and (Benefits contains “free” or Connection Status is Disabled)"),
                      "the summary shows the groups")
        // The builder without JavaScript: each row names its group; each group in use its all/any.
        XCTAssertEqual(html.components(separatedBy: "<select id=\"g-").count - 1, 4)
        XCTAssertTrue(html.contains("<option value=\"2\" selected>Group 2</option>"))
        XCTAssertTrue(html.contains("id=\"gm-2\" name=\"gm\"><option value=\"all\">all of its filters</option><option value=\"any\" selected>"))
        let adding = client.text(client.get("/connections?" + Self.grouped + "&add=1"))
        XCTAssertEqual(adding.components(separatedBy: "<select id=\"g-").count - 1, 5, "a new row comes with its Group drop-down")

        // The old flat address reads as before; a malformed group is a 400 on the page and in the API.
        XCTAssertEqual(client.get("/connections?f=name&op=contains&v=sta&match=any").status, 200)
        XCTAssertEqual(client.get("/connections?f=name&op=contains&v=sta&g=12").status, 400)

        // The same rows as a plain reading over the database.
        let expected = try client.otherConnection().query("""
            SELECT id FROM connections WHERE (lower(name) LIKE '%sta%' OR lower(name) LIKE '%flee%')
            AND (lower(benefits_list) LIKE '%free%' OR status = 'Disabled') ORDER BY id
            """) { $0.int(0) }
        XCTAssertFalse(expected.isEmpty)
        let token = try client.token(for: DemoData.adminEmail)
        let answer = client.json(client.api("GET", "/api/v1/connections?" + Self.grouped + "&size=200", token: token))
        XCTAssertEqual(answer["rows"]?.array?.compactMap { $0["id"]?.int }.sorted(), expected)
        XCTAssertEqual(answer["total"], .int(expected.count))
        let csv = client.text(client.api("GET", "/api/v1/connections/export.csv?" + Self.grouped, token: token))
        XCTAssertEqual(csv.split(separator: "\r\n").count - 1, expected.count, "the export holds the same rows")

        let refused = client.api("GET", "/api/v1/connections?f=name&op=contains&v=sta&g=one", token: token)
        XCTAssertEqual(refused.status, 400)
        XCTAssertTrue(client.text(refused).contains("A filter's group (g) is a number from 0 (none) to 9"))
        XCTAssertEqual(client.api("GET", "/api/v1/connections?g=0", token: token).status, 200, "a group past the filters names none")
    }
}
