@testable import Web
import XCTest

final class FormatTests: XCTestCase {
    func testIntegersAreGroupedInThousands() {
        XCTAssertEqual(Format.integer(0), "0")
        XCTAssertEqual(Format.integer(999), "999")
        XCTAssertEqual(Format.integer(1000), "1,000")
        XCTAssertEqual(Format.integer(12345), "12,345")
        XCTAssertEqual(Format.integer(1_000_000), "1,000,000")
        XCTAssertEqual(Format.integer(-1234), "-1,234")
    }

    func testSlugs() {
        XCTAssertEqual(Format.slug("Automatically approve all"), "automatically-approve-all")
    }
}
