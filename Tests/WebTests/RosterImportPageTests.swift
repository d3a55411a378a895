import Domain
import FastCGI
import Storage
import XCTest
@testable import Web

/// A connection's roster through the console: its export, the upload's preview (nothing written),
/// the confirmation that applies exactly the previewed plan, and what is refused.
final class RosterImportPageTests: XCTestCase {
    func signedIn(_ email: String = DemoData.adminEmail) throws -> (TestClient, Int) {
        let client = try TestClient(connections: 3)
        try client.signIn(email)
        return (client, try client.scalar("SELECT min(id) FROM connections"))
    }

    /// A multipart upload, as a browser sends the import form.
    func upload(_ client: TestClient, _ id: Int?, _ text: String, mode: String, filename: String = "staff.csv") throws -> Response {
        let boundary = "----formboundary7MA4YWxk"
        var body = ""
        for (name, value) in [("csrf", try client.csrfToken()), ("step", "preview"), ("mode", mode)] {
            body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n"
        }
        body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(filename)\"\r\nContent-Type: text/csv\r\n\r\n\(text)\r\n--\(boundary)--\r\n"
        var headers = ["content-type": "multipart/form-data; boundary=\(boundary)"]
        headers["cookie"] = client.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
        return client.send("POST", id.map { "/connections/\($0)/import" } ?? "/connections/import", headers: headers, body: Array(body.utf8))
    }

    /// The confirmation form's hidden fields on a preview page.
    func confirmForm(_ page: String) -> [(String, String)] {
        ["step", "mode", "plan", "filename", "content"].map { name in
            let marker = "name=\"\(name)\" value=\""
            guard let start = page.range(of: marker, options: .backwards) else { return (name, "") }
            let rest = page[start.upperBound...]
            return (name, String(rest[..<rest.firstIndex(of: "\"")!]).replacingOccurrences(of: "&amp;", with: "&"))
        }
    }

    func connected(_ client: TestClient, _ id: Int, _ email: String) throws -> Int {
        try client.scalar("""
            SELECT count(*) FROM memberships m JOIN drivers d ON d.id = m.driver_id WHERE m.connection_id = \(p: 1) AND d.email = \(p: 2) AND m.state = 'Connected'
            """, [.init(id), .text(email)])
    }

    func testPreviewWritesNothingAndConfirmAppliesThePlan() throws {
        let (client, id) = try signedIn()
        let page = client.text(client.get("/connections/\(id)"))
        XCTAssertTrue(page.contains("/connections/\(id)/roster.csv") && page.contains("/connections/\(id)/import"), page)
        XCTAssertEqual(client.get("/connections/\(id)/import").status, 200)

        let preview = try upload(client, id, "Email;Name\r\nnew.one@fleet.example;New One\r\n", mode: "add_and_connect")
        let text = client.text(preview)
        XCTAssertEqual(preview.status, 200, text)
        XCTAssertTrue(text.contains("new.one@fleet.example") && text.contains("Confirm the import"), text)
        XCTAssertEqual(try connected(client, id, "new.one@fleet.example"), 0, "a preview writes nothing")

        let confirmed = try client.post("/connections/\(id)/import", confirmForm(text))
        XCTAssertEqual(confirmed.status, 303, client.text(confirmed))
        XCTAssertEqual(try connected(client, id, "new.one@fleet.example"), 1)
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM audit_log WHERE action = 'Imported drivers'"), 1)
        XCTAssertTrue(client.text(client.get(client.header(confirmed, "Location")!)).contains("Import applied: 1 driver added"))
        // The log's entry links to the connection's drivers, which it changed.
        XCTAssertTrue(client.text(client.get("/audit")).contains("<a href=\"/connections/\(id)#drivers\">"))

        // The same confirmation again: the roster changed since its preview, so the preview is shown again.
        let again = try client.post("/connections/\(id)/import", confirmForm(text))
        XCTAssertEqual(again.status, 409)
        XCTAssertTrue(client.text(again).contains("changed since this preview"))

        let csv = client.get("/connections/\(id)/roster.csv")
        XCTAssertEqual(csv.status, 200)
        XCTAssertTrue(client.text(csv).contains("new.one@fleet.example,New One,Connected"), client.text(csv))
        let xlsx = client.bytes(client.get("/connections/\(id)/roster.xlsx"))
        XCTAssertEqual(Array(xlsx.prefix(2)), [0x50, 0x4B])
    }

    func testBadFilesAreToldOnTheFormAndAViewerCannotImport() throws {
        let (client, id) = try signedIn()
        let unknown = try upload(client, id, "Email,Shoe size\na@b.example,9\n", mode: "add")
        XCTAssertEqual(unknown.status, 400)
        XCTAssertTrue(client.text(unknown).contains("Column 2 is “Shoe size”") || client.text(unknown).contains("Column 2 is &quot;Shoe size&quot;")
                      || client.text(unknown).contains("Shoe size"), client.text(unknown))
        let invalid = client.text(try upload(client, id, "Email\nnot-an-address\n", mode: "add"))
        XCTAssertTrue(invalid.contains("Invalid rows (1)") && invalid.contains("not an email address") && !invalid.contains("Confirm the import"), invalid)

        let (viewer, viewerConnection) = try signedIn(DemoData.viewerEmail)
        XCTAssertTrue([403, 404].contains(try upload(viewer, viewerConnection, "Email\na@b.example\n", mode: "add").status))
        XCTAssertEqual(try viewer.scalar("SELECT count(*) FROM audit_log WHERE action = 'Imported drivers'"), 0)
    }

    /// The table's export, one status edited: the preview names that field, the confirmation applies it.
    func testTheConnectionsImportPageShowsEachChangeAndAppliesIt() throws {
        let (client, _) = try signedIn()
        XCTAssertTrue(client.text(client.get("/connections")).contains("href=\"/connections/import\""))
        let database = try client.otherConnection()
        var bytes: [UInt8] = []
        let configuration = client.handler.configuration
        _ = try ConnectionExport(database: database, inviteURL: { configuration.inviteURL(token: $0) })
            .csv(TableState(pageSize: 50), columns: ColumnCatalog.all, organizations: try database.query("SELECT id FROM organizations") { $0.int(0) },
                 byteOrderMark: false) { bytes += $0 }
        var lines = String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n")
        let status = lines[1].contains(",Enabled,") ? ("Enabled", "Disabled") : ("Disabled", "Enabled")
        lines[1] = lines[1].replacingOccurrences(of: ",\(status.0),", with: ",\(status.1),")
        let preview = try upload(client, nil, lines.joined(separator: "\r\n"), mode: "", filename: "connections.csv")
        let text = client.text(preview)
        XCTAssertEqual(preview.status, 200, text)
        XCTAssertTrue(text.contains("Changed (1)") && text.contains("<del>\(status.0)</del> → \(status.1)"), text)
        let confirmed = try client.post("/connections/import", confirmForm(text).filter { $0.0 != "mode" })
        XCTAssertEqual(confirmed.status, 303, client.text(confirmed))
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM audit_log WHERE action = 'Imported connections'"), 1)
    }

    /// Replace the list: the preview names how many connected drivers go before the (red) confirmation.
    func testReplaceNamesHowManyAreRemovedBeforeItsConfirmation() throws {
        let (client, _) = try signedIn()
        let id = try client.scalar("SELECT min(connection_id) FROM memberships WHERE state = 'Connected'")
        let connected = try client.scalar("SELECT count(*) FROM memberships WHERE connection_id = \(p: 1) AND state = 'Connected'", [.init(id)])
        XCTAssertGreaterThan(connected, 0)
        let text = client.text(try upload(client, id, "Email\nkeep.me@fleet.example\n", mode: "replace"))
        XCTAssertTrue(text.contains("To be removed (\(connected))"), text)
        XCTAssertTrue(text.contains("\(connected) connected driver\(connected == 1 ? " is" : "s are") removed and emailed."), text)
        XCTAssertTrue(text.contains("class=\"button danger\">Confirm the import"), text)
        XCTAssertEqual(try client.post("/connections/\(id)/import", confirmForm(text)).status, 303)
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM memberships WHERE connection_id = \(p: 1) AND state = 'Connected'", [.init(id)]), 0)
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM outbox WHERE kind = 'driver removed'"), connected)
    }
}
