import Domain
import FastCGI
import Foundation
import Storage
import XCTest
@testable import Web

/// The requests queue at volume, in-process on either database: every pending request reachable by
/// keyset pages in either order, filters by organization and connection, a caseless search of names
/// and emails, "every one matching" decided after a second question, a slip answered in place with the
/// work kept, and the count in the navigation.
final class RequestQueueTests: XCTestCase, DriverFixtures {
    var made = 0

    /// `count` pending requests on `connection`, a minute apart from `start` (minutes after 2026-03-01),
    /// named "<prefix> N" with emails "<prefix>.N@queue.example": their ids, oldest first.
    @discardableResult
    func pending(_ client: TestClient, connection: Int, count: Int, prefix: String, start: Int = 0) throws -> [Int] {
        let database = try client.otherConnection()
        return try database.transaction(locking: [.connection(connection)]) {
            try (0..<count).map { index in
                let minute = start + index
                let at = String(format: "2026-03-%02dT%02d:%02d:00Z", 1 + minute / 1440, minute / 60 % 24, minute % 60)
                let driver = try database.insertReturningID("INSERT INTO drivers (name, email, created_at) VALUES (\(p: 1), \(p: 2), \(p: 3))",
                                                            [.text("\(prefix) \(index)"), .text("\(prefix.lowercased()).\(index)@queue.example"), .text(at)])
                return try database.insertReturningID("""
                    INSERT INTO memberships (connection_id, driver_id, state, requested_at, driver_name) VALUES (\(p: 1), \(p: 2), 'Pending', \(p: 3), \(p: 4))
                    """, [.init(connection), .init(driver), .text(at), .text("\(prefix) \(index)")])
            }
        }
    }

    /// The request ids of a queue page, in order.
    func ids(_ page: String) -> [Int] {
        page.components(separatedBy: "data-request=\"").dropFirst().compactMap { Int($0.prefix { $0.isNumber }) }
    }

    func escaped(_ text: String) -> String {
        var bytes: [UInt8] = []
        HTMLEscaping.append(text, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    func link(_ page: String, rel: String) -> String? {
        guard let range = page.range(of: "rel=\"\(rel)\"") else { return nil }
        let before = page[..<range.lowerBound]
        guard let start = before.range(of: "href=\"", options: .backwards) else { return nil }
        return String(before[start.upperBound...].prefix { $0 != "\"" }).replacingOccurrences(of: "&amp;", with: "&")
    }

    func testEveryPendingRequestIsReachableByKeysetPagesInEitherOrder() throws {
        let client = try TestClient()
        let connection = try makeConnection(client)
        let all = try pending(client, connection: connection.id, count: 130, prefix: "Pager")
        try client.signIn(DemoData.adminEmail)
        var page = client.text(client.get("/requests?connection=\(connection.id)"))
        XCTAssertTrue(page.contains("130 waiting"), page)
        var seen = ids(page)
        XCTAssertEqual(seen, Array(all.prefix(50)), "oldest first, 50 a page")
        XCTAssertNil(link(page, rel: "prev"))
        while let next = link(page, rel: "next") {
            page = client.text(client.get(next))
            seen += ids(page)
        }
        XCTAssertEqual(seen, all, "every request once, in order")
        let previous = try XCTUnwrap(link(page, rel: "prev"))
        XCTAssertEqual(ids(client.text(client.get(previous))), Array(all[50..<100]))
        // Deciding the whole last page leads to the page before it, not to an empty one.
        let state = try XCTUnwrap(page.components(separatedBy: "name=\"state\" value=\"").dropFirst().first?.prefix { $0 != "\"" })
        let decided = try client.post("/requests/decide", [("back", "/requests"), ("state", String(state).replacingOccurrences(of: "&amp;", with: "&")),
                                                           ("action", "approve")] + all[100...].map { ("m", "\($0)") })
        XCTAssertEqual(decided.status, 303)
        let after = client.text(client.get(try XCTUnwrap(client.header(decided, "Location"))))
        XCTAssertTrue(after.contains("30 drivers approved"))
        XCTAssertEqual(ids(after), Array(all[50..<100]))
        XCTAssertNil(link(after, rel: "next"))
        XCTAssertNotNil(link(after, rel: "first"))

        // Newest first: the newest request leads; a chosen size.
        let newest = client.text(client.get("/requests?connection=\(connection.id)&sort=newest&size=25"))
        let remaining = Array(all.prefix(100).reversed())
        XCTAssertEqual(ids(newest), Array(remaining.prefix(25)))
        XCTAssertEqual(ids(client.text(client.get(try XCTUnwrap(link(newest, rel: "next"))))), Array(remaining[25..<50]))

        // Bad input is a clear 400, never a 500.
        for bad in ["sort=sideways", "size=7", "size=x", "after=bm9wZQ", "org=abc", "connection=-3", "q=" + String(repeating: "a", count: 201)] {
            let answer = client.get("/requests?" + bad)
            XCTAssertEqual(answer.status, 400, bad)
        }
        // A cursor of another query is refused, not answered with that query's rows.
        let cursor = try XCTUnwrap(link(page, rel: "prev")?.components(separatedBy: "before=").last)
        XCTAssertEqual(client.get("/requests?connection=\(connection.id)&sort=newest&before=\(cursor)").status, 400)
    }

    func testTheQueueFiltersByOrganizationAndConnectionAndSearchesNamesAndEmails() throws {
        let client = try TestClient()
        let database = try client.otherConnection()
        let organizations = try database.query("SELECT id, name FROM organizations ORDER BY id LIMIT 2") { (id: $0.int(0), name: $0.text(1)) }
        let first = try makeConnection(client, org: organizations[0].id)
        let second = try makeConnection(client, org: organizations[1].id)
        // The same connection name in both organizations: only the Organization column tells them apart.
        try database.run("UPDATE connections SET name = 'Fleet - Phase 2' WHERE id IN (\(ids: 1))", [.idList([first.id, second.id])])
        try pending(client, connection: first.id, count: 3, prefix: "Ana")
        try pending(client, connection: second.id, count: 2, prefix: "Bo")
        try database.run("UPDATE memberships SET driver_name = 'ÉLODIE Ørsted' WHERE driver_name = 'Bo 1'")
        try client.signIn(DemoData.adminEmail)

        let byOrganization = client.text(client.get("/requests?org=\(organizations[1].id)&q=queue.example"))
        XCTAssertEqual(ids(byOrganization).count, 2, byOrganization)
        XCTAssertTrue(byOrganization.contains("2 waiting"))
        XCTAssertTrue(byOrganization.contains("Fleet - Phase 2") && byOrganization.contains(">\(escaped(organizations[1].name))</td>"))

        let byConnection = client.text(client.get("/requests?connection=\(first.id)"))
        XCTAssertEqual(ids(byConnection).count, 3)
        XCTAssertTrue(byConnection.contains("3 waiting"))

        // Caseless beyond ASCII, on names and on emails.
        let folded = client.text(client.get("/requests?q=%C3%A9lodie%20%C3%B8r"))
        XCTAssertEqual(ids(folded).count, 1, folded)
        XCTAssertTrue(folded.contains("ÉLODIE Ørsted") && folded.contains("1 waiting"))
        XCTAssertEqual(ids(client.text(client.get("/requests?q=ANA.2%40QUEUE"))).count, 1)
        XCTAssertTrue(client.text(client.get("/requests?q=nobody-has-this")).contains("No requests are waiting that match"))

        // One connection's page keeps its own queue.
        let own = client.text(client.get("/connections/\(second.id)/requests?q=bo%200"))
        XCTAssertEqual(ids(own).count, 1, "Bo 0 only")
        XCTAssertEqual(ids(client.text(client.get("/connections/\(second.id)/requests?q=bo"))).count, 2, "by name or by email")
        // Another organization's connection is no filter for an officer of the first.
        try client.signIn(DemoData.officerEmail)
        XCTAssertEqual(client.get("/requests?connection=\(second.id)").status, 404)
    }

    func testSelectAllMatchingDecidesEveryOneAfterASecondQuestion() throws {
        let client = try TestClient()
        let connection = try makeConnection(client)
        let other = try makeConnection(client)
        let matching = try pending(client, connection: connection.id, count: 60, prefix: "Many")
        let untouched = try pending(client, connection: other.id, count: 2, prefix: "Elsewhere")
        try client.signIn(DemoData.adminEmail)
        let state = "connection=\(connection.id)"
        let asked = try client.post("/requests/decide", [("back", "/requests"), ("state", state), ("all", "1"), ("action", "deny"),
                                                         ("reason", "The fleet is full.")])
        XCTAssertEqual(asked.status, 200)
        let question = client.text(asked)
        XCTAssertTrue(question.contains("Deny 60 requests?") && question.contains("The fleet is full."), question)
        // Fewer or more than confirmed match now: nothing changes.
        XCTAssertEqual(try client.post("/requests/decide", [("back", "/requests"), ("state", state), ("all", "1"), ("action", "deny"),
                                                            ("reason", "The fleet is full."), ("expected", "59")]).status, 409)
        let done = try client.post("/requests/decide", [("back", "/requests"), ("state", state), ("all", "1"), ("action", "deny"),
                                                        ("reason", "The fleet is full."), ("expected", "60")])
        XCTAssertEqual(done.status, 303)
        XCTAssertTrue(client.header(done, "Location")?.hasPrefix("/requests?connection=\(connection.id)&done=denied&n=60") == true,
                      client.header(done, "Location") ?? "")
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM memberships WHERE id IN (\(ids: 1)) AND state = 'Denied'", [.idList(matching)]), 60)
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM memberships WHERE id IN (\(ids: 1)) AND state = 'Pending'", [.idList(untouched)]), 2)
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM audit_log WHERE action = 'Denied driver' AND subject LIKE 'many.%'"), 60,
                       "audited one by one")
        // A few at once need no second question; a row's own button decides that row.
        try pending(client, connection: connection.id, count: 3, prefix: "Few", start: 500)
        XCTAssertEqual(try client.post("/requests/decide", [("back", "/requests"), ("state", state), ("all", "1"), ("action", "approve")]).status, 303)
        XCTAssertEqual(try client.scalar("SELECT pending_requests FROM connections WHERE id = \(p: 1)", [.init(connection.id)]), 0)
        XCTAssertEqual(try client.post("/requests/decide", [("back", "/requests"), ("one", "approve:\(untouched[0])")]).status, 303)
        XCTAssertEqual(try client.scalar("SELECT pending_requests FROM connections WHERE id = \(p: 1)", [.init(other.id)]), 1)
    }

    func testASlipAnswersInPlaceWithTheTicksAndTheReasonKept() throws {
        let client = try TestClient()
        let connection = try makeConnection(client)
        let all = try pending(client, connection: connection.id, count: 4, prefix: "Slip")
        try client.signIn(DemoData.adminEmail)
        for back in ["/requests", "/connections/\(connection.id)/requests"] {
            let state = back == "/requests" ? "connection=\(connection.id)&sort=newest" : "sort=newest"
            let noReason = try client.post("/requests/decide", [("back", back), ("state", state), ("m", "\(all[1])"), ("m", "\(all[2])"),
                                                                ("action", "deny"), ("reason", "  ")])
            XCTAssertEqual(noReason.status, 400, back)
            let page = client.text(noReason)
            XCTAssertTrue(page.contains("role=\"alert\"") && page.contains("Give the driver a reason for the denial"), page)
            XCTAssertTrue(page.contains("value=\"\(all[1])\" id=\"m-\(all[1])\" aria-label=\"Select Slip 1\" checked"), "ticks kept")
            XCTAssertTrue(page.contains("value=\"\(all[2])\" id=\"m-\(all[2])\" aria-label=\"Select Slip 2\" checked"))
            XCTAssertFalse(page.contains("aria-label=\"Select Slip 0\" checked"))
            XCTAssertTrue(page.contains("name=\"reason\" type=\"text\" maxlength=\"500\" value=\"  \"") && page.contains("autofocus aria-invalid=\"true\""),
                          "the reason field takes the focus")
            XCTAssertEqual(ids(page), Array(all.reversed()), "the same page: newest first")
            if back != "/requests" { XCTAssertTrue(page.contains("Connected drivers"), "one connection's page again") }

            let nothing = try client.post("/requests/decide", [("back", back), ("state", state), ("action", "approve"), ("reason", "typed before")])
            XCTAssertEqual(nothing.status, 400)
            let again = client.text(nothing)
            XCTAssertTrue(again.contains("Nothing is selected") && again.contains("value=\"typed before\""), again)
            XCTAssertTrue(again.contains("id=\"queue-problem\" role=\"alert\" tabindex=\"-1\" autofocus"), "the message takes the focus")
        }
        // A reason the rules refuse is said in place too.
        let refused = try client.post("/requests/decide", [("back", "/requests"), ("m", "\(all[0])"), ("action", "deny"), ("reason", "tab\there")])
        XCTAssertEqual(refused.status, 400)
        XCTAssertTrue(client.text(refused).contains("no other control characters") && client.text(refused).contains("Driver requests"))
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM memberships WHERE id IN (\(ids: 1)) AND state = 'Pending'", [.idList(all)]), 4)
    }

    func testTheNavigationCountsTheRequestsTheUserMaySee() throws {
        let client = try TestClient()
        let database = try client.otherConnection()
        let organizations = try database.query("SELECT id FROM organizations ORDER BY id LIMIT 2") { $0.int(0) }
        let first = try makeConnection(client, org: organizations[0])
        let second = try makeConnection(client, org: organizations[1])
        try pending(client, connection: first.id, count: 3, prefix: "Counted")
        try pending(client, connection: second.id, count: 4, prefix: "Other")
        let everywhere = try database.scalarInt("SELECT count(*) FROM memberships WHERE state = 'Pending'")
        let inFirst = try database.scalarInt("""
            SELECT count(*) FROM memberships m JOIN connections c ON c.id = m.connection_id WHERE m.state = 'Pending' AND c.org_id = \(p: 1)
            """, [.init(organizations[0])])
        try client.signIn(DemoData.adminEmail)
        XCTAssertTrue(client.text(client.get("/connections")).contains("Requests <span class=\"nav-count\">\(Format.integer(everywhere))<"))
        try client.signIn(DemoData.officerEmail)
        XCTAssertTrue(client.text(client.get("/requests")).contains("<span class=\"nav-count\">\(Format.integer(inFirst))<"))
        XCTAssertEqual(try RequestQueue(database: database).waiting(organizations: [organizations[0]]), inFirst)
    }
}
