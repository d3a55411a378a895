import Storage
import XCTest

/// Lock keys are taken in one order and never collide across kinds.
final class LockKeyTests: XCTestCase {
    func testKeysSortOrganizationThenConnectionThenUserThenNamed() {
        let keys: [LockKey] = [.named("a"), .user(1), .connection(9), .connection(2), .organization(5)]
        XCTAssertEqual(keys.sorted(), [.organization(5), .connection(2), .connection(9), .user(1), .named("a")])
    }

    func testAdvisoryKeysOfDifferentKindsNeverMeetAndNamesAreStable() {
        let keys: [LockKey] = [.organization(7), .connection(7), .user(7), .named("7")]
        XCTAssertEqual(Set(keys.map(\.advisoryKey)).count, keys.count)
        XCTAssertEqual(LockKey.connection(7).advisoryKey, 2 << 56 | 7)
        // The same name gives the same key in every process and release (not Swift's seeded hash).
        XCTAssertEqual(LockKey.named("outbox lease").advisoryKey, LockKey.named("outbox lease").advisoryKey)
        XCTAssertEqual(LockKey.named("outbox lease").advisoryKey >> 56, 4)
        XCTAssertNotEqual(LockKey.named("outbox lease").advisoryKey, LockKey.named("outbox leases").advisoryKey)
    }
}
