import Domain
import FastCGI
import Storage
import XCTest
@testable import Web

/// The header's search box and a connection's own page (issue 23, findings 4 and 5), on the
/// database the tests run on (SQLite, or PostgreSQL with CONNECTIONS_TEST_POSTGRES).
final class SearchAndConnectionPageTests: XCTestCase {
    /// X: a connection of the officer's organization; Y: one of the viewer's; each renamed, and a
    /// driver of each renamed, so that one word finds both.
    struct Fixture {
        let client: TestClient
        let x: Int, y: Int
        let xCode: String, yCode: String
        let xDriver: Int, yDriver: Int
    }

    func fixture() throws -> Fixture {
        let client = try TestClient()
        let officerOrg = try client.scalar("SELECT min(org_id) FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.email = \(p: 1)",
                                           [.text(DemoData.officerEmail)])
        let viewerOrg = try client.scalar("SELECT min(org_id) FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.email = \(p: 1)",
                                          [.text(DemoData.viewerEmail)])
        let x = try client.scalar("SELECT min(connection_id) FROM memberships m JOIN connections c ON c.id = m.connection_id WHERE c.org_id = \(p: 1) AND m.state = 'Pending'",
                                  [.init(officerOrg)])
        let y = try client.scalar("SELECT min(connection_id) FROM memberships m JOIN connections c ON c.id = m.connection_id WHERE c.org_id = \(p: 1)",
                                  [.init(viewerOrg)])
        let other = try client.otherConnection()
        try other.run("UPDATE connections SET name = 'Zébrafish yard', visibility = 'Private' WHERE id = \(p: 1)", [.init(x)])
        try other.run("UPDATE connections SET name = 'ZÉBRAFISH depot', visibility = 'Private' WHERE id = \(p: 1)", [.init(y)])
        let xDriver = try client.scalar("SELECT min(id) FROM memberships WHERE connection_id = \(p: 1) AND state = 'Pending'", [.init(x)])
        let yDriver = try client.scalar("SELECT min(id) FROM memberships WHERE connection_id = \(p: 1)", [.init(y)])
        try other.run("UPDATE memberships SET driver_name = 'Quokka Alpha' WHERE id = \(p: 1)", [.init(xDriver)])
        try other.run("UPDATE memberships SET driver_name = 'Quokka Beta' WHERE id = \(p: 1)", [.init(yDriver)])
        let code = { (id: Int) in try other.query("SELECT search_code FROM connections WHERE id = \(p: 1)", [.init(id)]) { $0.text(0) }[0] }
        return Fixture(client: client, x: x, y: y, xCode: try code(x), yCode: try code(y), xDriver: xDriver, yDriver: yDriver)
    }

    func testSearchShowsOnlyTheOrganizationsTheUserMayView() throws {
        let f = try fixture()
        let client = f.client
        try client.signIn(DemoData.viewerEmail)
        var page = client.text(client.get("/search?q=z%C3%A9brafish"))
        XCTAssertTrue(page.contains("href=\"/connections/\(f.y)\"") && page.contains("ZÉBRAFISH depot"), page)
        XCTAssertFalse(page.contains("Zébrafish yard"), "another organization's connection")
        page = client.text(client.get("/search?q=quokka"))
        XCTAssertTrue(page.contains("Quokka Beta") && !page.contains("Quokka Alpha"), page)
        try client.signIn(DemoData.officerEmail)
        page = client.text(client.get("/search?q=Z%C3%89BRAFISH"))
        XCTAssertTrue(page.contains("Zébrafish yard") && !page.contains("ZÉBRAFISH depot"), page)
        page = client.text(client.get("/search?q=quokka"))
        XCTAssertTrue(page.contains("Quokka Alpha") && !page.contains("Quokka Beta"), page)
        try client.signIn(DemoData.adminEmail)
        page = client.text(client.get("/search?q=z%C3%A9brafish"))
        XCTAssertTrue(page.contains("Zébrafish yard") && page.contains("ZÉBRAFISH depot"), page)
    }

    func testTheSearchCodeFindsAndShowsOnlyForThoseWhoMayInvite() throws {
        let f = try fixture()
        let client = f.client
        try client.signIn(DemoData.officerEmail)
        var page = client.text(client.get("/search?q=\(f.xCode.lowercased())"))
        XCTAssertTrue(page.contains("href=\"/connections/\(f.x)\"") && page.contains("code \(f.xCode)"), page)
        page = client.text(client.get("/search?q=z%C3%A9brafish"))
        XCTAssertTrue(page.contains("code \(f.xCode)"), "the officer may invite there: the code shows")
        try client.signIn(DemoData.viewerEmail)
        page = client.text(client.get("/search?q=\(f.yCode)"))
        XCTAssertFalse(page.contains("href=\"/connections/\(f.y)\""), "a Viewer cannot find by search code")
        page = client.text(client.get("/search?q=z%C3%A9brafish"))
        XCTAssertTrue(page.contains("ZÉBRAFISH depot") && !page.contains(f.yCode), "nor read it")
        let json = client.text(client.get("/search/suggest?q=z%C3%A9brafish"))
        XCTAssertTrue(json.contains("\"label\":\"ZÉBRAFISH depot\"") && !json.contains(f.yCode) && json.contains("\"all\":\"/search?q=z%C3%A9brafish\""), json)
        XCTAssertFalse(json.contains("Zébrafish yard"))
    }

    func testResultsPagePerGroupAndRefusesBadInput() throws {
        let f = try fixture()
        let client = f.client
        try client.signIn(DemoData.adminEmail)
        try client.otherConnection().run("UPDATE connections SET name = 'Pagetest ' || id WHERE id IN (SELECT id FROM connections ORDER BY id LIMIT 45)")
        var seen: [String] = []
        var target = "/search?q=pagetest&group=connections"
        while true {
            let response = client.get(target)
            XCTAssertEqual(response.status, 200)
            let page = client.text(response)
            seen += page.components(separatedBy: "href=\"/connections/").dropFirst().compactMap { $0.split(separator: "\"").first.map(String.init) }
                .filter { Int($0) != nil }
            guard let range = page.range(of: "href=\"/search?q=pagetest&amp;group=connections&amp;after=") else { break }
            let rest = page[range.upperBound...]
            target = "/search?q=pagetest&group=connections&after=" + rest.prefix { $0 != "\"" }
        }
        XCTAssertEqual(seen.count, 45)
        XCTAssertEqual(Set(seen).count, 45, "each once, across pages")
        XCTAssertEqual(client.get("/search?q=" + String(repeating: "a", count: 101)).status, 400)
        XCTAssertEqual(client.get("/search?q=fleet&group=cars").status, 400)
        XCTAssertEqual(client.get("/search?q=fleet&group=drivers&after=xyz").status, 400)
        XCTAssertEqual(client.get("/search?q=fleet&after=xyz").status, 400)
        let short = client.text(client.get("/search?q=ab"))
        XCTAssertTrue(short.contains("Type at least 3 characters to search connections"), short)
        XCTAssertTrue(client.text(client.get("/search")).contains("id=\"search-page-q\""))
    }

    /// The three ways a search reads (the scope's own rows; the next rows in id order; the trigram
    /// index beyond them) find the same rows, page after page.
    func testEveryWayOfReadingFindsTheSameRows() throws {
        let f = try fixture()
        let database = try f.client.otherConnection()
        try database.run("UPDATE connections SET name = 'Bilby ' || id WHERE id % 7 = 3")
        try database.run("UPDATE memberships SET driver_name = 'Bilby ' || id WHERE id % 5 = 1")
        let adminID = try f.client.scalar("SELECT id FROM users WHERE email = \(p: 1)", [.text(DemoData.adminEmail)])
        let admin = try XCTUnwrap(Accounts(database: database).access(userID: adminID))
        let ways = [ConsoleSearch(database: database), ConsoleSearch(database: database, smallScope: 0, nearRows: 10),
                    ConsoleSearch(database: database, smallScope: 0, nearRows: 1)]
        for word in ["bilby", "lby 1", "quokka", "zébra", "nothing-like-it"] {
            let query = try XCTUnwrap(ConsoleSearch.query(word))
            var answers: [[String]] = []
            for search in ways {
                var found: [String] = []
                var after: Int?
                repeat {
                    let connections = try search.connections(query, access: admin, after: after, limit: 4)
                    found += connections.map { "c\($0.id)" }
                    after = connections.count == 4 ? connections.last?.id : nil
                } while after != nil
                repeat {
                    let drivers = try search.drivers(query, access: admin, after: after, limit: 3)
                    found += drivers.map { "m\($0.id)" }
                    after = drivers.count == 3 ? drivers.last?.id : nil
                } while after != nil
                answers.append(found)
            }
            XCTAssertEqual(answers[0], answers[1], word)
            XCTAssertEqual(answers[0], answers[2], word)
            XCTAssertEqual(Set(answers[0]).count, answers[0].count, word)
        }
        XCTAssertFalse(try ConsoleSearch(database: database).connections(XCTUnwrap(ConsoleSearch.query("bilby")), access: admin, limit: 100).isEmpty)
    }

    func testTheConnectionPagePerRole() throws {
        let f = try fixture()
        let client = f.client
        try client.signIn(DemoData.viewerEmail)
        XCTAssertEqual(client.get("/connections/\(f.x)").status, 404, "another organization's connection")
        var page = client.text(client.get("/connections/\(f.y)?state=Connected"))
        XCTAssertTrue(page.contains("<h1>ZÉBRAFISH depot</h1>") && page.contains("id=\"drivers\"") && page.contains("id=\"history\""), page)
        XCTAssertFalse(page.contains("/connections/\(f.y)/edit"), "no Edit for a Viewer")
        XCTAssertFalse(page.contains("type=\"checkbox\"") || page.contains("Approve selected"), "read-only for a Viewer")
        XCTAssertFalse(page.contains("id=\"invite-url\"") || page.contains(f.yCode), "no invite secrets for a Viewer")
        // From the table: the name links to the page.
        XCTAssertTrue(client.text(client.get("/connections?org=all")).contains("<a href=\"/connections/"))
        XCTAssertEqual(client.get("/connections/\(f.y)?state=Asleep").status, 400)

        try client.signIn(DemoData.officerEmail)
        page = client.text(client.get("/connections/\(f.x)"))
        XCTAssertTrue(page.contains("Quokka Alpha") && page.contains("Approve selected") && page.contains("value=\"\(f.xDriver)\""), page)
        XCTAssertTrue(page.contains("id=\"invite-url\"") && page.contains(f.xCode))
        XCTAssertFalse(page.contains("/connections/\(f.x)/edit"), "officers do not edit connections")
        XCTAssertTrue(client.text(client.get("/connections/\(f.x)?q=quokka")).contains("Quokka Alpha"))
        XCTAssertFalse(client.text(client.get("/connections/\(f.x)?q=nobody-like-this")).contains("Quokka Alpha"))
        let decided = try client.post("/requests/decide", [("m", String(f.xDriver)), ("action", "approve"), ("back", "/connections/\(f.x)?state=Pending")])
        XCTAssertEqual(decided.status, 303)
        XCTAssertTrue(decided.headers.contains { $0.name == "Location" && $0.value.hasPrefix("/connections/\(f.x)?") })
        page = client.text(client.get("/connections/\(f.x)?state=Connected"))
        XCTAssertTrue(page.contains("Quokka Alpha") && page.contains("Remove selected"), page)
        let history = page.components(separatedBy: "id=\"history\"").last ?? ""
        XCTAssertTrue(history.contains("Approved driver"), history)

        try client.signIn(DemoData.adminEmail)
        XCTAssertTrue(client.text(client.get("/connections/\(f.x)")).contains("href=\"/connections/\(f.x)/edit\""))
    }
}
