import Foundation
import Storage
import XCTest
@testable import Domain

/// Re-verification on either database (`MembershipExpiryTests`' connection and drivers), by the
/// `now` each call is given: asked once after N days, confirming starts them again, and an ask
/// unanswered within the grace period ends the membership at the sweep, audited "Not re-verified".
extension MembershipExpiryTests {
    func reverify(_ id: Int) throws -> (at: String?, by: String?) {
        try database.query("SELECT reverify_at, reverify_by FROM memberships WHERE id = \(p: 1)", [.init(id)]) { ($0.optionalText(0), $0.optionalText(1)) }[0]
    }

    func testDriversConfirmEveryNDaysOrTheirMembershipEnds() throws {
        let connection = try createConnection()
        let start = day("2030-01-01T00:00:00Z")
        XCTAssertEqual(try SetReverification(connection: connection, everyDays: 90, graceDays: 14, now: start).run(by: admin, in: database), 0)
        let kept = try connectedDriver("kept@x.example", to: connection)
        let lapsed = try connectedDriver("lapsed@x.example", to: connection)
        // Approved now (the real clock): asked 90 days after; the test puts both on the same day.
        try database.run("UPDATE memberships SET reverify_at = '2030-04-01T00:00:00Z' WHERE id IN (\(p: 1), \(p: 2))", [.init(kept), .init(lapsed)])
        let sweep = MembershipReverification(database: database)
        XCTAssertEqual(try sweep.sweep(now: day("2030-03-31T23:59:59Z")).asked, 0)
        XCTAssertEqual(try sweep.sweep(now: day("2030-04-01T00:00:00Z")).asked, 2)
        XCTAssertEqual(try sweep.sweep(now: day("2030-04-01T00:00:00Z")).asked, 0, "asked once")
        XCTAssertEqual(try database.scalarInt("SELECT count(*) FROM outbox WHERE kind = 'reverification'"), 2)
        XCTAssertEqual(try reverify(kept).by, "2030-04-15T00:00:00Z")

        // One confirms: asked again 90 days later; the other does not: ended at the end of the grace period.
        let token = try database.transaction(locking: []) { try StatusLinks(database: database).issue(membership: kept) }
        try ConfirmAnswers(statusToken: token, now: day("2030-04-05T10:00:00Z")).run(in: database)
        XCTAssertEqual(try reverify(kept).at, "2030-07-04T10:00:00Z")
        XCTAssertNil(try reverify(kept).by)
        XCTAssertThrowsError(try ConfirmAnswers(statusToken: token, now: day("2030-04-05T10:00:00Z")).run(in: database), "nothing to confirm now")
        XCTAssertEqual(try sweep.sweep(now: day("2030-04-14T23:00:00Z")).ended, 0)
        XCTAssertEqual(try sweep.sweep(now: day("2030-04-15T00:00:00Z")).ended, 1)
        XCTAssertEqual(try sweep.sweep(now: day("2030-04-16T00:00:00Z")).ended, 0, "ended once")
        XCTAssertEqual(try state(lapsed), "Removed")
        XCTAssertEqual(try state(kept), "Connected")
        XCTAssertEqual(try database.query("SELECT subject FROM audit_log WHERE action = 'Not re-verified'") { $0.text(0) }, ["lapsed@x.example"])
        XCTAssertEqual(try DomainEvents(database: database).after(0).last?.event.kind, .membershipExpired)

        // Off: nobody is asked any more.
        XCTAssertEqual(try SetReverification(connection: connection, everyDays: nil, graceDays: 14, now: start).run(by: admin, in: database), 1)
        XCTAssertNil(try reverify(kept).at)
        XCTAssertThrowsError(try SetReverification.from(every: "0", grace: ""))
        XCTAssertThrowsError(try SetReverification.from(every: "30", grace: "400"))
        XCTAssertEqual(try SetReverification.from(every: "", grace: "").days, nil)
    }
}
