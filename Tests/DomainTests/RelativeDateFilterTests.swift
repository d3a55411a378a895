import Domain
import Foundation
import XCTest

/// Relative date conditions: the period each keeps, counted in the clock's time zone, and how they read.
final class RelativeDateFilterTests: XCTestCase {
    let created = ColumnCatalog.column("created_at")!

    func state(_ query: String) throws -> TableState {
        let pairs = query.split(separator: "&").map { pair -> (name: String, value: String) in
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            return (parts[0], parts.count > 1 ? parts[1] : "")
        }
        return try TableState.parse(pairs)
    }

    func testTheAddressNamesRelativeDatesAndTheSummaryReadsThem() throws {
        let filters = try state("f=created_at&op=last_days&v=7&f=updated_at&op=today&v=&f=created_at&op=before&v=2026-01-31&match=any").filters
        XCTAssertEqual(filters.filters.map(\.condition.key), ["last_days", "today", "before"])
        XCTAssertEqual(filters.sentence, "where Created is in the last 7 days or Last Updated is today or Created is before 2026-01-31")
        XCTAssertEqual(try state("f=created_at&op=next_days&v=1").filters.sentence, "where Created is in the next day")
        XCTAssertEqual(try state("f=created_at&op=this_week").filters.sentence, "where Created is this week")
        // The view keeps the words, never the day it was saved on.
        XCTAssertEqual(filters.queryPairs.map(\.value), ["created_at", "last_days", "7", "updated_at", "today", "", "created_at", "before", "2026-01-31", "any"])
    }

    func testBadValuesSayWhatIsExpected() throws {
        let problem = { (op: String, value: String) in
            Filter(column: self.created, condition: FilterConditions.condition(op)!, value: value).problem
        }
        XCTAssertEqual(problem("last_days", "0"), "Enter a number of days from 1 to 3660, like 7.")
        XCTAssertEqual(problem("next_days", "week"), "Enter a number of days from 1 to 3660, like 7.")
        XCTAssertEqual(problem("after", "31/01/2026"), "Enter a date as YYYY-MM-DD, like 2026-11-25.")
        XCTAssertNil(problem("last_days", " 30 "))
        XCTAssertNil(problem("today", ""))
        let name = Filter(column: ColumnCatalog.column("name")!, condition: FilterConditions.condition("today")!, value: "")
        XCTAssertNotNil(name.problem, "a relative date applies to dates only")
    }

    /// One row per instant around a New York midnight; the table must pick them by New York's days.
    func testPeriodsCountInTheClocksTimeZone() throws {
        let database = try demoDatabase(connections: 0)
        let organization = try database.query("SELECT id FROM organizations") { $0.int(0) }[0]
        var random = SeededRandom(seed: 1)
        let writer = ConnectionWriter(database: database)
        // Now: Monday 2026-03-09 01:30 in New York (05:30 UTC; daylight saving time began the day before).
        let stamps = ["2026-03-09T03:59:59Z",  // Sunday 23:59:59 in New York: yesterday, last week
                      "2026-03-09T04:00:00Z",  // Monday 00:00 there: today
                      "2026-03-10T03:59:59Z",  // Monday 23:59:59: today
                      "2026-03-10T04:00:00Z",  // Tuesday: tomorrow
                      "2026-03-01T05:00:00Z",  // 1 March 00:00 there (standard time): this month, 8 days ago
                      "2026-03-01T04:59:59Z",  // 28 February there
                      "2026-03-16T03:59:59Z"]  // Sunday 15 March there: this week, 6 days ahead
        var ids: [String: Int] = [:]
        for stamp in stamps {
            ids[stamp] = try writer.insert(NewConnection(
                orgID: organization, name: stamp, status: .enabled, type: .standard, approval: .manual, visibility: .private,
                benefits: [Benefit(.freeCharging)], questions: [], emailDomains: [], searchCode: InviteCodes.searchCode(using: &random),
                inviteToken: InviteCodes.inviteToken(using: &random), createdAt: stamp, updatedAt: stamp))
        }
        let clock = FilterClock(now: DateText.parse("2026-03-09T05:30:00Z")!, timeZone: TimeZone(identifier: "America/New_York")!)
        let table = ConnectionTable(database: database)
        func names(_ op: String, _ value: String = "") throws -> [String] {
            var state = TableState(pageSize: 200)
            state.filters = FilterSet([Filter(column: created, condition: FilterConditions.condition(op)!, value: value)])
            state.filters.clock = clock
            var found: [String] = []
            try table.forEachRow(state, columns: [ColumnCatalog.column("name")!], organizations: [organization]) { row in
                if case .text(let name) = row.cells[0] { found.append(name) }
            }
            return found.sorted()
        }
        XCTAssertEqual(try names("today"), ["2026-03-09T04:00:00Z", "2026-03-10T03:59:59Z"])
        XCTAssertEqual(try names("this_week"), ["2026-03-09T04:00:00Z", "2026-03-10T03:59:59Z", "2026-03-10T04:00:00Z", "2026-03-16T03:59:59Z"])
        XCTAssertEqual(try names("this_month"), stamps.filter { $0 != "2026-03-01T04:59:59Z" }.sorted())
        XCTAssertEqual(try names("last_days", "8"), ["2026-03-01T05:00:00Z", "2026-03-09T03:59:59Z", "2026-03-09T04:00:00Z", "2026-03-10T03:59:59Z"])
        XCTAssertEqual(try names("last_days", "7"), ["2026-03-09T03:59:59Z", "2026-03-09T04:00:00Z", "2026-03-10T03:59:59Z"])
        XCTAssertEqual(try names("next_days", "1"), ["2026-03-09T04:00:00Z", "2026-03-10T03:59:59Z", "2026-03-10T04:00:00Z"])
        XCTAssertEqual(try names("before", "2026-03-01"), ["2026-03-01T04:59:59Z"])
        XCTAssertEqual(try names("after", "2026-03-09"), ["2026-03-10T04:00:00Z", "2026-03-16T03:59:59Z"])
        XCTAssertEqual(ids.count, stamps.count)
    }
}
