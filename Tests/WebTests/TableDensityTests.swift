import Domain
import FastCGI
import XCTest
@testable import Web

/// The table's density, saved per user through its Domain method (on SQLite, and on PostgreSQL
/// when CONNECTIONS_TEST_POSTGRES names a server).
final class TableDensityTests: XCTestCase {
    func testTheDensityIsSavedPerUserAndAWrongWordIsA400() throws {
        let client = try TestClient()
        try client.signIn(DemoData.adminEmail)
        XCTAssertTrue(client.text(client.get("/connections")).contains(#"<table class="grid density-compact">"#), "compact unless chosen")
        let saved = try client.post("/connections/density", [("density", "comfortable"), ("back", "sort=connected_drivers")])
        XCTAssertEqual(saved.status, 303)
        XCTAssertEqual(client.header(saved, "Location"), "/connections?sort=connected_drivers#density-comfortable")
        let page = client.text(client.get("/connections"))
        XCTAssertTrue(page.contains(#"<table class="grid density-comfortable">"#))
        XCTAssertTrue(page.contains(#"id="density-comfortable" class="button small secondary" aria-pressed="true""#))
        let wrong = try client.post("/connections/density", [("density", "huge")])
        XCTAssertEqual(wrong.status, 400)
        XCTAssertTrue(client.text(wrong).contains("Choose the table&#39;s density: compact or comfortable."))
        client.signOut()
        try client.signIn(DemoData.viewerEmail)
        XCTAssertTrue(client.text(client.get("/connections")).contains("density-compact"), "another user's choice is their own")
    }
}
