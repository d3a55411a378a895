import Storage
import XCTest

/// The one back-off: free failures, doubling, a ceiling, and no overflow however many failures.
final class BackoffTests: XCTestCase {
    func testWaitsDoubleFromTheFirstAfterTheFreeFailuresUpToTheCeiling() {
        let slowing = Backoff(first: 2, ceiling: 60, free: 3)
        XCTAssertEqual((0...10).map(slowing.delay(after:)), [0, 0, 0, 2, 4, 8, 16, 32, 60, 60, 60])
        let retries = Backoff(first: 60, ceiling: 3600)
        XCTAssertEqual([0, 1, 2, 3, 7, 8, 20].map(retries.delay(after:)), [0, 60, 120, 240, 3600, 3600, 3600])
        XCTAssertEqual((1...8).map(Backoff(first: 1, ceiling: 60).delay(after:)), [1, 2, 4, 8, 16, 32, 60, 60], "an SMTP outage")
        XCTAssertEqual(Backoff(first: 0.5, ceiling: 0.5).delay(after: 5), 0.5, "a ceiling equal to the first wait keeps it flat")
        XCTAssertEqual(Backoff(first: 86_400, ceiling: 3600).delay(after: 1), 3600, "the ceiling wins over a longer first wait")
        XCTAssertEqual(retries.delay(after: Int.max), 3600)
    }
}
