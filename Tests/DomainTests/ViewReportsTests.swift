import Foundation
import XCTest
@testable import Domain

/// When a report is due (its organization's local hour, on its day) and what it says changed.
final class ViewReportsTests: XCTestCase {
    let berlin = TimeZone(identifier: "Europe/Berlin")!

    func at(_ text: String) -> Date { DateText.parse(text)! }

    func testAReportIsDueAtTheLocalHourOnItsDayAcrossSummerTime() {
        // 06:30 UTC on Tuesday 8 December is 07:30 in Berlin: today's 07:00 has passed, so tomorrow's (06:00 UTC).
        XCTAssertEqual(ViewReports.nextDue(after: at("2026-12-08T06:30:00Z"), frequency: .daily, hour: 7, zone: berlin), at("2026-12-09T06:00:00Z"))
        XCTAssertEqual(ViewReports.nextDue(after: at("2026-12-08T05:59:00Z"), frequency: .daily, hour: 7, zone: berlin), at("2026-12-08T06:00:00Z"))
        XCTAssertEqual(ViewReports.nextDue(after: at("2026-12-08T05:59:00Z"), frequency: .daily, hour: 7, zone: .gmt), at("2026-12-08T07:00:00Z"))
        // Weekly on Mondays, monthly on the 1st.
        XCTAssertEqual(ViewReports.nextDue(after: at("2026-12-08T06:30:00Z"), frequency: .weekly, hour: 7, zone: berlin), at("2026-12-14T06:00:00Z"))
        XCTAssertEqual(ViewReports.nextDue(after: at("2026-12-08T06:30:00Z"), frequency: .monthly, hour: 7, zone: berlin), at("2027-01-01T06:00:00Z"))
        // In summer Berlin is UTC+2: 07:00 local is 05:00 UTC, the day after the clocks change too.
        XCTAssertEqual(ViewReports.nextDue(after: at("2027-03-28T00:00:00Z"), frequency: .daily, hour: 7, zone: berlin), at("2027-03-28T05:00:00Z"))
        XCTAssertEqual(ViewReports.nextDue(after: at("2027-03-27T07:00:00Z"), frequency: .daily, hour: 7, zone: berlin), at("2027-03-28T05:00:00Z"))
    }

    func testWhatChangedIsTheRowsThatEnteredAndLeft() {
        let change = ViewReports.changes(previous: [1, 2, 3, 5], current: [2, 3, 4, 6])
        XCTAssertEqual(change.entered, [4, 6])
        XCTAssertEqual(change.left, [1, 5])
        let first = ViewReports.changes(previous: nil, current: [1, 2])
        XCTAssertTrue(first.entered.isEmpty && first.left.isEmpty, "a first report compares with nothing")
        XCTAssertEqual(ViewReports.stored([3, 1, 2]), "1,2,3")
        XCTAssertEqual(ViewReports.parse("1,2,3"), [1, 2, 3])
        XCTAssertEqual(ViewReports.parse(""), [])
        XCTAssertNil(ViewReports.stored(Array(0...ViewReports.keptIDs)), "past the bound, ids are not kept")
    }
}
