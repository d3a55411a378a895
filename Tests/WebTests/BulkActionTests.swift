import Domain
import FastCGI
import XCTest
@testable import Web

/// Bulk done right (issue 23, finding 7): only those who can change a row get Select rows; select
/// all matching the filters; the outcome says what was skipped and why; Undo reverses exactly what
/// the change did, once, within its window, for the session that made it. On both databases.
final class BulkActionTests: XCTestCase {
    /// Where a redirect sends the browser, less its fragment (which a browser keeps to itself).
    func location(_ response: Response) -> String {
        String((response.headers.first { $0.name == "Location" }?.value ?? "").prefix { $0 != "#" })
    }

    func signedIn(_ email: String = DemoData.adminEmail) throws -> TestClient {
        let client = try TestClient()
        try client.signIn(email)
        return client
    }

    func status(_ client: TestClient, _ id: Int) throws -> String {
        try client.otherConnection().query("SELECT status FROM connections WHERE id = \(p: 1)", [.init(id)]) { $0.text(0) }[0]
    }

    /// The undo form's fields on a page.
    func undoForm(_ page: String) -> [(String, String)]? {
        guard page.contains("action=\"/connections/bulk/undo\"") else { return nil }
        func value(_ name: String) -> String {
            let marker = "name=\"\(name)\" value=\""
            guard let start = page.range(of: marker) else { return "" }
            return String(page[start.upperBound...].prefix { $0 != "\"" }).replacingOccurrences(of: "&amp;", with: "&")
        }
        return [("bulk", value("bulk")), ("bs", value("bs")), ("state", value("state"))]
    }

    func testSelectAllMatchingChangesEveryRowTheFiltersMatchAndSaysWhatWasSkipped() throws {
        let client = try signedIn()
        let filter = "f=connection_type&op=is&v=Standard"
        let matching = try client.otherConnection().query("SELECT id, status FROM connections WHERE connection_type = 'Standard'") {
            (id: $0.int(0), status: $0.text(1))
        }
        let already = matching.filter { $0.status == "Disabled" }.count
        XCTAssertGreaterThan(already, 0, "the demo data has disabled rows among those matching")
        let others = try client.scalar("SELECT count(*) FROM connections WHERE connection_type <> 'Standard' AND status = 'Enabled'")
        XCTAssertGreaterThan(others, 0)
        let ask = try client.post("/connections/bulk", [("action", "disable"), ("all", "1"), ("state", filter)])
        let question = client.text(ask)
        XCTAssertEqual(ask.status, 200, question)
        XCTAssertTrue(question.contains("Disable \(Format.integer(matching.count)) connections?"), question)
        XCTAssertTrue(question.contains("every one matching the filters"), question)
        XCTAssertTrue(question.contains("name=\"all\" value=\"1\""), "the confirmation carries every row matching on")
        let done = try client.post("/connections/bulk", [("action", "disable"), ("all", "1"), ("confirm", "1"), ("state", filter)])
        XCTAssertEqual(done.status, 303, client.text(done))
        XCTAssertTrue(client.header(done, "Location")?.hasSuffix("#bulk-outcome") == true)
        let page = client.text(client.get(location(done)))
        let changed = matching.count - already
        XCTAssertTrue(page.contains("Disabled \(changed) connection\(changed == 1 ? "" : "s"). Skipped \(already): already disabled."), page)
        XCTAssertNotNil(undoForm(page), "the notice carries Undo")
        for row in matching { XCTAssertEqual(try status(client, row.id), "Disabled") }
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM connections WHERE connection_type <> 'Standard' AND status = 'Enabled'"),
                       others, "rows the filters do not match are left alone")
    }

    func testUndoReversesExactlyItsRowsOnceAndSkipsRowsChangedSince() throws {
        let client = try signedIn()
        let enabled = try client.otherConnection().query("SELECT id FROM connections WHERE status = 'Enabled' ORDER BY id LIMIT 3") { $0.int(0) }
        let disabled = try client.scalar("SELECT min(id) FROM connections WHERE status = 'Disabled'")
        let picked = enabled + [disabled]
        let done = try client.post("/connections/bulk", [("action", "disable"), ("confirm", "1"), ("state", "sel=" + picked.map(String.init).joined(separator: ","))])
        XCTAssertEqual(done.status, 303)
        let page = client.text(client.get(location(done)))
        XCTAssertTrue(page.contains("Disabled 3 connections. Skipped 1: already disabled."), page)
        let form = try XCTUnwrap(undoForm(page))
        // Someone else enables one of them meanwhile: Undo leaves it as they left it.
        try client.otherConnection().run("UPDATE connections SET status = 'Enabled', version = version + 1 WHERE id = \(p: 1)", [.init(enabled[0])])
        try client.otherConnection().run("UPDATE connections SET status = 'Disabled', version = version + 1 WHERE id = \(p: 1)", [.init(enabled[0])])
        let undone = try client.post("/connections/bulk/undo", form)
        XCTAssertEqual(undone.status, 303, client.text(undone))
        let after = client.text(client.get(location(undone)))
        XCTAssertTrue(after.contains("Undone: enabled 2 connections again. Skipped 1: changed since by someone else."), after)
        XCTAssertNil(undoForm(after), "an Undo is used once")
        XCTAssertEqual(try status(client, enabled[0]), "Disabled", "changed by someone else since: left alone")
        XCTAssertEqual(try status(client, enabled[1]), "Enabled")
        XCTAssertEqual(try status(client, enabled[2]), "Enabled")
        XCTAssertEqual(try status(client, disabled), "Disabled", "a row the change skipped is not touched by its Undo")
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM audit_log WHERE action = 'Undid a bulk change'"), 1)
        // Single use.
        let again = try client.post("/connections/bulk/undo", form)
        XCTAssertEqual(again.status, 409)
        XCTAssertTrue(client.text(again).contains("This change was undone already."))
        XCTAssertEqual(try status(client, enabled[1]), "Enabled")
    }

    func testUndoExpiresAndBelongsToTheSessionThatMadeTheChange() throws {
        let client = try signedIn()
        let id = try client.scalar("SELECT min(id) FROM connections WHERE status = 'Enabled'")
        let done = try client.post("/connections/bulk", [("action", "disable"), ("confirm", "1"), ("state", "sel=\(id)")])
        let form = try XCTUnwrap(undoForm(client.text(client.get(location(done)))))
        // Another session of the same user (signed in again): no notice, and its Undo is refused.
        let before = client.cookies
        try client.signIn(DemoData.adminEmail)
        XCTAssertFalse(client.text(client.get(location(done))).contains("Disabled 1 connection"), "another session's page says nothing")
        let elsewhere = try client.post("/connections/bulk/undo", form)
        XCTAssertEqual(elsewhere.status, 404)
        XCTAssertTrue(client.text(elsewhere).contains("Undo works only in the browser session that made the change"))
        XCTAssertEqual(try status(client, id), "Disabled")
        // Back in the session that made it, after the window: refused, and the notice offers no Undo.
        client.cookies = before
        try client.otherConnection().run("UPDATE bulk_changes SET undo_until = '2000-01-01T00:00:00Z'")
        XCTAssertNil(undoForm(client.text(client.get(location(done)))))
        let late = try client.post("/connections/bulk/undo", form)
        XCTAssertEqual(late.status, 409)
        XCTAssertTrue(client.text(late).contains("can no longer be undone"), client.text(late))
        XCTAssertEqual(try status(client, id), "Disabled")
    }

    func testMoreThanTheBoundMatchingIsRefusedInPlaceWithTheCount() throws {
        let client = try TestClient(connections: TableState.largestSelection + 1, sqlite: true)
        try client.signIn(DemoData.adminEmail)
        let enabled = try client.scalar("SELECT count(*) FROM connections WHERE status = 'Enabled'")
        let over = try client.post("/connections/bulk", [("action", "disable"), ("all", "1"), ("state", "")])
        let page = client.text(over)
        XCTAssertEqual(over.status, 400)
        XCTAssertTrue(page.contains("id=\"bulk-problem\">10,001 connections match the filters: at most 10,000 can be changed at once."), page)
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM connections WHERE status = 'Enabled'"), enabled, "nothing changed")
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM bulk_changes"), 0)
    }

    func testOnlyThoseWhoCanChangeARowGetSelectRowsAndEdit() throws {
        for email in [DemoData.viewerEmail, DemoData.officerEmail] {
            let client = try signedIn(email)
            let page = client.text(client.get("/connections?edit=rows"))
            XCTAssertFalse(page.contains("Select rows"), email)
            XCTAssertFalse(page.contains("id=\"bulk-form\""), email)
            XCTAssertFalse(page.contains("/edit\""), email)
        }
        let admin = try signedIn()
        let page = admin.text(admin.get("/connections?edit=rows"))
        XCTAssertTrue(page.contains("id=\"bulk-form\"") && page.contains("Nothing is selected yet") && page.contains("Select all on this page"))
        // Without JavaScript, Select all on this page ticks the page's rows.
        let ticked = admin.text(admin.get("/connections?edit=rows&tick=page"))
        let boxes = ticked.components(separatedBy: "form=\"bulk-form\" aria-label=\"Select row ").dropFirst()
        XCTAssertTrue(boxes.allSatisfy { $0.prefix(20).contains("\" checked>") })
        XCTAssertTrue(!boxes.isEmpty && ticked.contains(">\(boxes.count) selected<"), ticked)
    }
}
