import Foundation
import Storage
import TestSupport
import XCTest
@testable import Domain

/// The outbox's sender side: one lease holder at a time, taken over when it expires (what the old
/// holder had taken goes back in the queue), and retries with backoff up to the stated limit.
final class OutboxTests: XCTestCase {
    var location = DatabaseLocation.sqlite(path: "")

    override func setUpWithError() throws {
        location = try TestDatabases.empty(in: FileManager.default.temporaryDirectory)
    }

    override func tearDown() {
        TestDatabases.drop(location)
        if case .sqlite(let path) = location { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
    }

    func enqueue(_ database: Database, count: Int) throws {
        try database.transaction(locking: []) {
            for n in 0..<count {
                try Outbox(database: database).enqueue(.invite, to: "d\(n)@example.org", organizationID: nil, payload: ["connectionID": "1"],
                                                       due: Date(timeIntervalSince1970: 1_000_000))
            }
        }
    }

    func states(_ database: Database) throws -> [String] {
        try database.query("SELECT state FROM outbox ORDER BY id") { $0.text(0) }
    }

    func testOneProcessHoldsTheLeaseUntilItExpiresThenTheNextResendsWhatWasTaken() throws {
        let first = try Database(location: location), second = try Database(location: location)
        let now = Date()
        let a = OutboxLease(database: first, holder: "a", duration: 60), b = OutboxLease(database: second, holder: "b", duration: 60)
        XCTAssertTrue(try a.hold(now: now))
        XCTAssertFalse(try b.hold(now: now), "one sender at a time")
        XCTAssertFalse(try b.hold(now: now.addingTimeInterval(59)))
        try enqueue(first, count: 3)
        let taken = try Outbox(database: first).claim(limit: 2, lease: a, now: now)
        XCTAssertEqual(taken.map(\.attempts), [1, 1])
        XCTAssertEqual(try states(first), ["sending", "sending", "queued"])
        XCTAssertTrue(try Outbox(database: second).claim(limit: 5, lease: b, now: now).isEmpty, "no lease, nothing taken")
        XCTAssertTrue(try a.hold(now: now.addingTimeInterval(30)), "the holder keeps it by renewing")

        // The holder dies (kill -9) with two emails taken: after its lease expires the next process takes over,
        // and both go back in the queue, to be sent again with the same Message-IDs.
        XCTAssertFalse(try b.hold(now: now.addingTimeInterval(89)))
        XCTAssertTrue(try b.hold(now: now.addingTimeInterval(91)))
        XCTAssertEqual(try states(second), ["queued", "queued", "queued"])
        let again = try Outbox(database: second).claim(limit: 5, lease: b, now: now.addingTimeInterval(91))
        XCTAssertEqual(again.map(\.messageKey).prefix(2), taken.map(\.messageKey)[...])
        XCTAssertFalse(try a.hold(now: now.addingTimeInterval(92)), "the old holder, had it lived, no longer sends")
        try b.release()
        XCTAssertTrue(try a.hold(now: now.addingTimeInterval(93)), "a released lease is free at once")
    }

    func testTemporaryFailuresAreRetriedWithBackoffUpToTheLimitAndPermanentOnesFailAtOnce() throws {
        let database = try Database(location: location)
        let lease = OutboxLease(database: database, holder: "a", duration: 60)
        let outbox = Outbox(database: database)
        let policy = Outbox.RetryPolicy(maximumAttempts: 3, firstDelay: 60)
        XCTAssertEqual([1, 2, 3, 8, 20].map(policy.delay(afterAttempt:)), [60, 120, 240, 3600, 3600])
        try enqueue(database, count: 2)
        var now = Date()
        var item = try XCTUnwrap(outbox.claim(limit: 1, lease: lease, now: now).first)
        try outbox.record(.temporaryFailure("451 try later"), for: item, lease: lease, policy: policy, now: now)
        XCTAssertEqual(try database.query("SELECT state, attempts, due_at, last_error FROM outbox WHERE id = \(p: 1)", [.init(item.id)]) {
            [$0.text(0), $0.text(1), $0.text(2), $0.text(3)] }[0], ["queued", "1", DateText.store(now.addingTimeInterval(60)), "451 try later"])
        // Not due yet: the other one comes first.
        let other = try XCTUnwrap(outbox.claim(limit: 5, lease: lease, now: now).first)
        XCTAssertNotEqual(other.id, item.id)
        try outbox.record(.permanentFailure("550 no such user\r\nwith a second line"), for: other, lease: lease, policy: policy, now: now)
        XCTAssertEqual(try database.query("SELECT state, last_error FROM outbox WHERE id = \(p: 1)", [.init(other.id)]) { [$0.text(0), $0.text(1)] }[0],
                       ["failed", "550 no such user  with a second line"])
        for attempt in 2...3 {
            now = now.addingTimeInterval(policy.delay(afterAttempt: attempt - 1))
            item = try XCTUnwrap(outbox.claim(limit: 5, lease: lease, now: now).first)
            XCTAssertEqual(item.attempts, attempt)
            try outbox.record(.temporaryFailure("451 try later"), for: item, lease: lease, policy: policy, now: now)
        }
        XCTAssertEqual(try states(database), ["failed", "failed"], "the third temporary failure is the last")
        // Taken but not tried (the sender stops): back in the queue, the attempt not counted.
        try enqueue(database, count: 1)
        let untried = try XCTUnwrap(outbox.claim(limit: 5, lease: lease, now: now).first)
        try outbox.record(.untried, for: untried, lease: lease, policy: policy, now: now)
        XCTAssertEqual(try database.query("SELECT state, attempts FROM outbox WHERE id = \(p: 1)", [.init(untried.id)]) { [$0.text(0), $0.text(1)] }[0],
                       ["queued", "0"])
    }

    func testTheSchemaAllowsExactlyTheKindsAndStatesTheCodeKnows() throws {
        let database = try Database(location: location)
        for kind in EmailKind.allCases {
            try Outbox(database: database).enqueue(kind, to: "x@example.org", organizationID: nil, payload: [:])
        }
        XCTAssertThrowsError(try database.run("UPDATE outbox SET kind = 'newsletter' WHERE id = 1"))
        for state in OutboxState.allCases { try database.run("UPDATE outbox SET state = \(p: 1) WHERE id = 1", [.text(state.rawValue)]) }
        XCTAssertThrowsError(try database.run("UPDATE outbox SET state = 'lost' WHERE id = 1"))
    }

    func testSentAndSkippedEmailsGoAfterThirtyDaysQueuedAndFailedOnesStay() throws {
        let database = try Database(location: location)
        try enqueue(database, count: 5)
        let old = DateText.store(Date().addingTimeInterval(-31 * 24 * 60 * 60))
        try database.run("UPDATE outbox SET created_at = \(p: 1)", [.text(old)])
        try database.run("UPDATE outbox SET state = 'sent' WHERE id IN (SELECT min(id) FROM outbox)")
        try database.run("UPDATE outbox SET state = 'skipped' WHERE id = (SELECT min(id) + 1 FROM outbox)")
        try database.run("UPDATE outbox SET state = 'failed' WHERE id = (SELECT min(id) + 2 FROM outbox)")
        try database.run("UPDATE outbox SET state = 'sent', created_at = \(p: 1) WHERE id = (SELECT min(id) + 3 FROM outbox)",
                         [.text(DateText.store(Date()))])
        XCTAssertEqual(try Outbox(database: database).prune(), 2)
        XCTAssertEqual(try states(database), ["failed", "sent", "queued"])
        XCTAssertEqual(try Outbox(database: database).prune(), 0)
    }
}
