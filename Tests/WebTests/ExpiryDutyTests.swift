import Domain
import FastCGI
import Foundation
import Storage
import XCTest
@testable import Web

/// The serve process's duty of ending memberships on time, by a clock the test sets (no test
/// waits): only the lease's holder sweeps, and it ends every due membership in its look.
final class ExpiryDutyTests: XCTestCase {
    /// A clock stopped where the test puts it.
    struct StoppedClock: TestHooks {
        let at: Date
        func respond(to request: Request, action: String, database: Database) throws -> Response { throw UserError.notFound("none") }
        func exportKnobs(_ request: Request) -> ExportKnobs { ExportKnobs() }
        func now() -> Date? { at }
    }

    func testTheLeaseHolderEndsTheDueMembershipsByTheTestsClock() throws {
        var configuration: WebConfiguration?
        let client = try TestClient(connections: 30) {
            $0.testHooks = StoppedClock(at: DateText.parse("2027-06-30T00:00:05Z")!)
            configuration = $0
        }
        let duty = ExpiryDuty(configuration: try XCTUnwrap(configuration))
        let database = try client.otherConnection()
        let connected = try database.query("SELECT id FROM memberships WHERE state = 'Connected' ORDER BY id LIMIT 5") { $0.int(0) }
        XCTAssertEqual(connected.count, 5)
        try database.run("UPDATE memberships SET expires_at = '2027-06-30T00:00:00Z' WHERE id IN (\(ids: 1))", [.idList(Array(connected.prefix(4)))])
        // The fifth is reminded (its reminder is due), once.
        try database.run("UPDATE memberships SET expires_at = '2027-06-30T00:00:06Z', remind_at = '2027-06-27T00:00:06Z' WHERE id = \(p: 1)",
                         [.init(connected[4])])

        // Another process holds the lease: this one leaves the work to it.
        let other = OutboxLease(database: database, holder: "another process", duration: 60)
        XCTAssertTrue(try other.hold(now: Date()))
        XCTAssertEqual(try duty.look(database, lease: ProcessLease.lease(database, timeout: 30)), 0)
        try other.release()

        XCTAssertEqual(try duty.look(database, lease: ProcessLease.lease(database, timeout: 30)), 4)
        XCTAssertEqual(try database.query("SELECT state FROM memberships WHERE id IN (\(ids: 1)) ORDER BY id", [.idList(connected)]) { $0.text(0) },
                       ["Removed", "Removed", "Removed", "Removed", "Connected"], "the fifth is due a second later")
        XCTAssertEqual(try duty.look(database, lease: ProcessLease.lease(database, timeout: 30)), 0)
        XCTAssertEqual(try database.scalarInt("SELECT count(*) FROM outbox WHERE kind = 'renewal reminder' AND membership_id = \(p: 1)",
                                              [.init(connected[4])]), 1)
    }
}
