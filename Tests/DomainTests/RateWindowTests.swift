@testable import Domain
import Foundation
import Storage
import TestSupport
import XCTest

/// The one rate window: counters per subject and minute, a window counted from each bucket's first
/// event, one Retry-After, and counts that parallel writers cannot overshoot (SQLite or PostgreSQL).
final class RateWindowTests: XCTestCase {
    private var folder: URL!
    private var location = DatabaseLocation.sqlite(path: "")
    private var database: Database!
    /// A minute's start, so tests place events within buckets on purpose.
    private let start = Date(timeIntervalSince1970: 1_800_000_000)

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("connections-rate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        location = try TestDatabases.empty(in: folder)
        database = try Database(location: location)
    }

    override func tearDownWithError() throws {
        database = nil
        TestDatabases.drop(location)
        try? FileManager.default.removeItem(at: folder)
    }

    private var window: RateWindow { RateWindow(database: database, window: 600) }
    private func at(_ seconds: Double) -> Date { start.addingTimeInterval(seconds) }
    private func rows(_ subject: String) throws -> Int {
        try database.scalarInt("SELECT count(*) FROM rate_windows WHERE subject = \(p: 1)", [.text(subject)])
    }

    func testEventsShareOneRowPerMinuteSoACheckReadsBucketsNotEvents() throws {
        XCTAssertEqual(start.timeIntervalSince1970.truncatingRemainder(dividingBy: 60), 0)
        for second in stride(from: 0.0, to: 300, by: 0.5) { try window.count("a", now: at(second)) }
        XCTAssertEqual(try rows("a"), 5, "600 events in five minutes are five rows")
        let tally = try window.tally("a", now: at(300))
        XCTAssertEqual(tally.count, 600)
        XCTAssertEqual(tally.buckets.count, 5)
        XCTAssertEqual(tally.last, RateWindow.seconds(at(299.5)))
        XCTAssertEqual(try window.tally("b", now: at(300)).count, 0, "subjects count apart")
    }

    func testABucketLeavesTheWindowAWindowAfterItsFirstEvent() throws {
        try window.count("a", now: at(10))
        try window.count("a", now: at(50))
        try window.count("a", now: at(70))
        XCTAssertEqual(try window.tally("a", now: at(609)).count, 3)
        XCTAssertEqual(try window.tally("a", now: at(610)).count, 1, "the first minute's bucket leaves 600 s after its first event")
        XCTAssertEqual(try window.tally("a", now: at(669)).count, 1)
        XCTAssertEqual(try window.tally("a", now: at(670)).count, 0)
        try window.prune(now: at(610))
        XCTAssertEqual(try rows("a"), 1, "pruning drops what has left the window, nothing else")
    }

    func testRetryAfterIsWhenEnoughOfTheOldestBucketsHaveLeft() throws {
        for second in [0.0, 1, 2] { try window.count("a", now: at(second)) }
        for second in [65.0, 70] { try window.count("a", now: at(second)) }
        let tally = try window.tally("a", now: at(100))
        XCTAssertNil(tally.retryAfter(limit: 6, now: 100 + Int(start.timeIntervalSince1970)), "below the limit")
        let now = Int(start.timeIntervalSince1970) + 100
        XCTAssertEqual(tally.retryAfter(limit: 5, now: now), 500, "one must leave: the first bucket, at 600")
        XCTAssertEqual(tally.retryAfter(limit: 3, now: now), 500)
        XCTAssertEqual(tally.retryAfter(limit: 2, now: now), 565, "four must leave: the second bucket too, at 665")
        XCTAssertThrowsError(try window.refuse("a", atLimit: 5, now: at(100)) { "Try again in \($0)." }) {
            XCTAssertEqual($0 as? UserError, .tooManyRequests("Try again in 9 minutes.", retryAfterSeconds: 500))
        }
        XCTAssertThrowsError(try window.refuse("a", atLimit: 5, now: at(599.5)) { "Try again in \($0)." }) {
            XCTAssertEqual($0 as? UserError, .tooManyRequests("Try again in 1 minute.", retryAfterSeconds: 1))
        }
        XCTAssertNoThrow(try window.refuse("a", atLimit: 5, now: at(600)) { $0 })
    }

    func testAWithdrawnEventIsAsIfNeverCounted() throws {
        try window.count("a", now: at(1))
        let second = try window.count("a", now: at(5))
        try window.withdraw(second)
        XCTAssertEqual(try window.tally("a", now: at(6)).count, 1)
        XCTAssertEqual(try window.tally("a", now: at(6)).last, RateWindow.seconds(at(1)), "the bucket's last event is the one before")
        let alone = try window.count("b", now: at(5))
        try window.withdraw(alone)
        XCTAssertEqual(try rows("b"), 0)
    }

    func testParallelWritersCannotCountPastTheLimit() {
        let location = self.location, start = self.start
        final class Results: @unchecked Sendable {
            let lock = NSLock()
            var values: [String] = []
        }
        let results = Results(), group = DispatchGroup()
        for _ in 0..<8 {
            group.enter()
            Thread {
                defer { group.leave() }
                let database = try! Database(location: location)
                let window = RateWindow(database: database, window: 600)
                for _ in 0..<5 {
                    let answer: String
                    do {
                        try database.transaction(locking: [.named("shared")]) {
                            try window.refuse("shared", atLimit: 25, now: start) { $0 }
                            try window.count("shared", now: start)
                        }
                        answer = "counted"
                    } catch UserError.tooManyRequests {
                        answer = "refused"
                    } catch {
                        answer = "\(error)"
                    }
                    results.lock.lock()
                    results.values.append(answer)
                    results.lock.unlock()
                }
            }.start()
        }
        group.wait()
        XCTAssertEqual(results.values.filter { $0 == "counted" }.count, 25, "\(Set(results.values))")
        XCTAssertEqual(results.values.filter { $0 == "refused" }.count, 15, "\(Set(results.values))")
        XCTAssertEqual(try database.scalarInt("SELECT sum(events) FROM rate_windows WHERE subject = 'shared'"), 25)
    }

    func testMigration12MovesTheOldTablesEventsIntoBuckets() throws {
        let old = try TestDatabases.empty(in: folder, atVersion: 11)
        defer { TestDatabases.drop(old) }
        let database = try Database(location: old)
        let now = Date()
        for (table, subject, secondsAgo) in [("rate_events", "join-connection:1", 100.0), ("rate_events", "join-connection:1", 90),
                                             ("sign_in_failures", "pair:192.0.2.1 a@b.test", 200), ("sign_in_failures", "pair:192.0.2.1 a@b.test", 20)] {
            try database.run("INSERT INTO \(raw: table) (subject, at) VALUES (\(p: 1), \(p: 2))", [.text(subject), .text(DateText.store(now.addingTimeInterval(-secondsAgo)))])
        }
        XCTAssertEqual(try Migrator().migrate(database).first, 12, "12, then any later one")
        let joins = try RateWindow(database: database, window: 600).tally("join-connection:1", now: now)
        XCTAssertEqual(joins.count, 2, "the limits in force stay in force")
        // Limit 2: the oldest join's leaving is enough, whether the two fell in one minute's bucket or two.
        XCTAssertEqual(joins.retryAfter(limit: 2, now: RateWindow.seconds(now)), 500, "joins leave after 10 minutes, from the oldest")
        let failures = try RateWindow(database: database, window: 900).tally("pair:192.0.2.1 a@b.test", now: now)
        XCTAssertEqual(failures.count, 2)
        XCTAssertEqual(failures.last, RateWindow.seconds(now) - 20)
        XCTAssertEqual(failures.retryAfter(limit: 2, now: RateWindow.seconds(now)), 700, "sign-in failures after 15 minutes")
        let tables = try database.query(database.dialect == .sqlite ? "SELECT name FROM sqlite_master WHERE type = 'table'"
                                        : "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()") { $0.text(0) }
        XCTAssertFalse(tables.contains("rate_events") || tables.contains("sign_in_failures"), "the old tables are gone")
    }
}
