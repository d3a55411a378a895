import Domain
import FastCGI
import Storage
import XCTest
@testable import Web

/// Saved views through the page without JavaScript: Save as, open, modified with Save and Revert,
/// shared views by role, the default view, rename and delete, each in the audit log.
final class SavedViewsTests: XCTestCase {
    func location(_ response: Response, _ client: TestClient) -> String { client.header(response, "Location") ?? "" }

    func testAViewIsANamedAddressThatOpensAsItself() throws {
        let client = try TestClient()
        try client.signIn(DemoData.adminEmail)
        let table = client.text(client.get("/connections?f=name&op=contains&v=sta&sort=connected_drivers&order=desc"))
        XCTAssertTrue(table.contains("id=\"views-menu\">Views</summary>"), "the Views menu is above the table")
        let saved = try client.post("/connections/views", [("action", "save-as"), ("name", "  Staff, busiest first "), ("share", ""),
                                                          ("state", "f=name&op=contains&v=sta&sort=connected_drivers&order=desc&page=3"),
                                                          ("back", "f=name&op=contains&v=sta")])
        XCTAssertEqual(saved.status, 303)
        let id = try client.scalar("SELECT max(id) FROM saved_views")
        XCTAssertEqual(location(saved, client), "/connections?view=\(id)&f=name&op=contains&v=sta&sort=connected_drivers&order=desc#views-menu")
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM audit_log WHERE action = 'View saved' AND subject = 'Staff, busiest first'"), 1)

        // Opened by its number alone, it goes to its address; as its address it is not modified.
        XCTAssertEqual(location(client.get("/connections?view=\(id)"), client), "/connections?view=\(id)&f=name&op=contains&v=sta&sort=connected_drivers&order=desc")
        let opened = client.text(client.get("/connections?view=\(id)&f=name&op=contains&v=sta&sort=connected_drivers&order=desc"))
        XCTAssertTrue(opened.contains("Views: Staff, busiest first</summary>"))
        XCTAssertFalse(opened.contains("(modified)"))
        // Another filter: modified, with Save and Revert.
        let changed = client.text(client.get("/connections?view=\(id)&f=name&op=contains&v=sta&f=status&op=is&v=Enabled&sort=connected_drivers&order=desc"))
        XCTAssertTrue(changed.contains("(modified)"))
        XCTAssertTrue(changed.contains("value=\"save\""))
        XCTAssertTrue(changed.contains("href=\"/connections?view=\(id)&amp;f=name&amp;op=contains&amp;v=sta&amp;sort=connected_drivers&amp;order=desc\">Revert</a>"))
        let save = try client.post("/connections/views", [("action", "save"), ("id", String(id)),
                                                         ("state", "f=name&op=contains&v=sta&f=status&op=is&v=Enabled")])
        XCTAssertEqual(location(save, client), "/connections?view=\(id)&f=name&op=contains&v=sta&f=status&op=is&v=Enabled#views-menu")
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM audit_log WHERE action = 'View changed'"), 1)

        // The default view opens when the address names none; view=none shows the plain table.
        XCTAssertEqual(try client.post("/connections/views", [("action", "default"), ("id", String(id)), ("back", "view=\(id)")]).status, 303)
        XCTAssertEqual(location(client.get("/connections"), client), "/connections?view=\(id)&f=name&op=contains&v=sta&f=status&op=is&v=Enabled")
        XCTAssertEqual(client.get("/connections?view=none").status, 200)

        // Rename and delete, each audited; a deleted view is gone (404), and so is the default.
        XCTAssertEqual(try client.post("/connections/views", [("action", "rename"), ("id", String(id)), ("name", "Enabled staff")]).status, 303)
        XCTAssertTrue(client.text(client.get("/connections?view=none")).contains(">Enabled staff</a>"))
        XCTAssertEqual(try client.post("/connections/views", [("action", "rename"), ("id", String(id)), ("name", " ")]).status, 400)
        XCTAssertEqual(try client.post("/connections/views", [("action", "delete"), ("id", String(id))]).status, 303)
        XCTAssertEqual(client.get("/connections?view=\(id)").status, 404)
        XCTAssertEqual(client.get("/connections").status, 200, "no default once deleted")
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM audit_log WHERE action IN ('View renamed', 'View deleted')"), 2)
    }

    func testSharedViewsAreReadByMembersAndChangedByAdminsAndOfficers() throws {
        let client = try TestClient()
        let organizations = try client.otherConnection().query("SELECT org_id FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.email = \(p: 1)",
                                                               [.text(DemoData.viewerEmail)]) { $0.int(0) }
        let shared = organizations[0]
        try client.signIn(DemoData.adminEmail)
        XCTAssertEqual(try client.post("/connections/views", [("action", "save-as"), ("name", "Team view"), ("share", String(shared)),
                                                             ("state", "f=status&op=is&v=Disabled")]).status, 303)
        XCTAssertEqual(try client.post("/connections/views", [("action", "save-as"), ("name", "Admin's own"), ("share", ""), ("state", "")]).status, 303)
        let teamID = try client.scalar("SELECT id FROM saved_views WHERE name = 'Team view'")
        let ownID = try client.scalar("SELECT id FROM saved_views WHERE name = 'Admin''s own'")
        client.signOut()
        try client.signIn(DemoData.viewerEmail)
        let page = client.text(client.get("/connections?view=none"))
        XCTAssertTrue(page.contains(">Team view</a>"), "members read the organization's views")
        XCTAssertFalse(page.contains("Admin&#39;s own"), "another user's personal view is not listed")
        XCTAssertEqual(client.get("/connections?view=\(ownID)").status, 404)
        let opened = client.text(client.get("/connections?view=\(teamID)&f=status&op=is&v=Enabled"))
        XCTAssertTrue(opened.contains("(modified)"))
        XCTAssertFalse(opened.contains("value=\"save\""), "a Viewer does not change a shared view")
        XCTAssertFalse(opened.contains("<option value=\"\(shared)\">Everyone in"), "nor shares one")
        XCTAssertEqual(try client.post("/connections/views", [("action", "delete"), ("id", String(teamID))]).status, 403)
        XCTAssertEqual(try client.post("/connections/views", [("action", "save-as"), ("name", "Mine"), ("share", String(shared)), ("state", "")]).status, 403)
        // Any reader may make it the default.
        XCTAssertEqual(try client.post("/connections/views", [("action", "default"), ("id", String(teamID))]).status, 303)
        XCTAssertEqual(location(client.get("/connections"), client), "/connections?view=\(teamID)&f=status&op=is&v=Disabled")
    }

    func testTheAPIListsViewsAndAppliesOne() throws {
        let client = try TestClient()
        try client.signIn(DemoData.adminEmail)
        XCTAssertEqual(try client.post("/connections/views", [("action", "save-as"), ("name", "Disabled by drivers"), ("share", ""),
                                                             ("state", "f=status&op=is&v=Disabled&sort=connected_drivers&order=desc")]).status, 303)
        let id = try client.scalar("SELECT max(id) FROM saved_views")
        let token = try client.token(for: DemoData.adminEmail)
        let list = client.json(client.api("GET", "/api/v1/views", token: token))
        XCTAssertEqual(list["views"]?.array?.first?["name"], .string("Disabled by drivers"))
        XCTAssertEqual(list["views"]?.array?.first?["query"], .string("f=status&op=is&v=Disabled&sort=connected_drivers&order=desc"))
        let viaView = client.json(client.api("GET", "/api/v1/connections?view=\(id)&size=200", token: token))
        let direct = client.json(client.api("GET", "/api/v1/connections?f=status&op=is&v=Disabled&sort=connected_drivers&order=desc&size=200", token: token))
        XCTAssertEqual(viaView["rows"], direct["rows"])
        XCTAssertEqual(viaView["total"], direct["total"])
        // The request's own words add to the view's.
        let narrower = client.json(client.api("GET", "/api/v1/connections?view=\(id)&f=name&op=contains&v=sta&size=200", token: token))
        XCTAssertLessThan(narrower["total"]?.int ?? 0, direct["total"]?.int ?? 0)
        let csv = client.text(client.api("GET", "/api/v1/connections/export.csv?view=\(id)", token: token))
        XCTAssertEqual(csv.split(separator: "\r\n").count - 1, direct["total"]?.int)
        XCTAssertEqual(client.api("GET", "/api/v1/connections?view=999999", token: token).status, 404)
        XCTAssertEqual(client.api("GET", "/api/v1/connections?view=abc", token: token).status, 400)
        let other = try client.token(for: DemoData.viewerEmail)
        XCTAssertEqual(client.api("GET", "/api/v1/connections?view=\(id)", token: other).status, 404, "another user's personal view")
        XCTAssertEqual(client.json(client.api("GET", "/api/v1/views", token: other))["views"], .array([]))
    }
}
