import Domain
import Foundation
import FastCGI
import Storage
import XCTest
@testable import Web

/// Relative dates through the page, the API's one-word filter and its document.
final class RelativeDatePageTests: APITestCase {
    func testThePageAndTheAPIFilterByRelativeDates() throws {
        let client = try makeClient(connections: 120)
        try client.signIn(DemoData.adminEmail)
        let other = try client.otherConnection()
        let id = try client.scalar("SELECT min(id) FROM connections")
        try other.run("UPDATE connections SET name = 'Joined today', created_at = \(p: 2) WHERE id = \(p: 1)", [.init(id), .text(DateText.now())])
        let page = client.get("/connections?f=created_at&op=last_days&v=7")
        XCTAssertEqual(page.status, 200)
        let html = client.text(page)
        XCTAssertTrue(html.contains("Created is in the last 7 days"), "the summary says it")
        XCTAssertTrue(html.contains("Joined today"))
        XCTAssertTrue(html.contains("1–1 of 1") || html.contains(">1 of 1<") || html.contains("of 1 "), "only the new one: demo rows are older")
        XCTAssertTrue(client.text(client.get("/connections?f=created_at&op=today")).contains("Joined today"))
        XCTAssertFalse(client.text(client.get("/connections?f=created_at&op=before&v=2020-01-01")).contains("Joined today"))
        XCTAssertEqual(client.get("/connections?f=created_at&op=last_days&v=0").status, 400)
        XCTAssertTrue(client.text(client.get("/connections?f=created_at&op=last_days&v=0")).contains("Enter a number of days from 1 to 3660"))

        let token = try client.token(for: DemoData.adminEmail)
        let answer = client.json(client.api("GET", "/api/v1/connections?filter=created_at:this_month:&size=200", token: token))
        XCTAssertEqual(answer["rows"]?.array?.compactMap { $0["id"]?.int }, [id])
        XCTAssertEqual(client.api("GET", "/api/v1/connections?filter=created_at:last_days:99999", token: token).status, 400)
        // The document's one pattern knows the new conditions and their values.
        let pattern = try NSRegularExpression(pattern: FilterPattern.parameter)
        for (word, fits) in [("created_at:last_days:7", true), ("created_at:today:", true), ("created_at:before:2026-02-30", false),
                             ("name:today:", false), ("updated_at:next_days:3661", false), ("updated_at:after:2026-12-01", true)] {
            XCTAssertEqual(pattern.firstMatch(in: word, range: NSRange(word.startIndex..., in: word)) != nil, fits, word)
        }
    }
}

/// The organization's time zone: set by an Admin on /users, audited, and read by relative dates.
final class OrganizationTimeZoneTests: XCTestCase {
    func testAnAdminSetsTheZoneAndTodayCountsItsDays() throws {
        let client = try TestClient()
        try client.signIn(DemoData.adminEmail)
        let organization = try client.scalar("SELECT min(id) FROM organizations")
        let id = try client.scalar("SELECT min(id) FROM connections WHERE org_id = \(p: 1)", [.init(organization)])
        // Created at the start of today in Auckland (UTC+12 or +13): yesterday in UTC.
        var auckland = Calendar(identifier: .gregorian)
        auckland.timeZone = TimeZone(identifier: "Pacific/Auckland")!
        let startOfToday = auckland.startOfDay(for: Date()).addingTimeInterval(60)
        try client.otherConnection().run("UPDATE connections SET name = 'Auckland morning', created_at = \(p: 2) WHERE id = \(p: 1)",
                                         [.init(id), .text(DateText.store(startOfToday))])
        let today = "/connections?org=\(organization)&f=created_at&op=today"
        let utcToday = client.text(client.get(today)).contains("Auckland morning")
        XCTAssertEqual(client.text(client.get("/users?org=\(organization)")).contains("value=\"UTC\""), true, "UTC until set")
        XCTAssertEqual(try client.post("/users", [("org", String(organization)), ("action", "time-zone"), ("time_zone", "Mars/Olympus")]).status, 400)
        XCTAssertEqual(try client.post("/users", [("org", String(organization)), ("action", "time-zone"), ("time_zone", "Pacific/Auckland")]).status, 200)
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM audit_log WHERE action = 'Time zone changed' AND subject = 'Pacific/Auckland'"), 1)
        XCTAssertTrue(client.text(client.get(today)).contains("Auckland morning"), "today in Auckland")
        // In UTC that minute is yesterday unless UTC's day has already turned (after 11:00 or 12:00 UTC).
        let utcDay = DateText.store(Date()).prefix(10), storedDay = DateText.store(startOfToday).prefix(10)
        XCTAssertEqual(utcToday, utcDay == storedDay)
        XCTAssertEqual(try client.post("/users", [("org", String(organization)), ("action", "time-zone"), ("time_zone", "UTC")]).status, 200)
    }
}
