import Domain
import XCTest

final class StoredTextTests: XCTestCase {
    func testNamesRefuseControlAndBidirectionalCharactersButKeepEmoji() {
        for bad in ["a\u{0}b", "a\nb", "a\tb", "a\u{202E}b", "a\u{2066}b", "a\u{200F}b"] {
            XCTAssertFalse(StoredText.isLine(bad, upTo: 100), bad.debugDescription)
        }
        for good in ["Café Lumière", "👩‍👩‍👧 Family", "Acme Robotics"] {
            XCTAssertTrue(StoredText.isLine(good, upTo: 100), good)
        }
    }
}
