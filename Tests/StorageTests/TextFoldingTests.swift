import Storage
import XCTest

final class TextFoldingTests: XCTestCase {
    static let samples = ["Staff – HQ", "ÉCOLE Supérieure", "Straße", "ÅRHUS ØST", "Αθήνα ΣΤΑΘΜΟΣ", "İstanbul", "ǅemal",
                          "plain ascii", "MIXED Case 123", "", "Zoë 🚗 EV", "ＦＵＬＬ width"]

    func testFoldIsLowercasingBeyondASCII() {
        for sample in Self.samples {
            XCTAssertEqual(TextFolding.fold(sample), sample.lowercased(), sample)
        }
    }

    func testTheSQLFunctionFoldsLikeSwift() throws {
        let database = try Database(path: ":memory:")
        for sample in Self.samples {
            XCTAssertEqual(try database.scalar("SELECT fold(\(p: 1))", [.text(sample)]), .text(sample.lowercased()), sample)
        }
        XCTAssertEqual(try database.scalar("SELECT fold(NULL)"), .null)
        XCTAssertEqual(try database.scalar("SELECT fold(42)"), .text("42"))
    }
}
