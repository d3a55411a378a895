import XCTest
@testable import Domain

final class CSVWriterTests: XCTestCase {
    private func field(_ text: String, guarded: Bool = true) -> String {
        var writer = CSVWriter()
        var text = text
        text.withUTF8 { writer.append($0, guarded: guarded) }
        return String(decoding: writer.buffer, as: UTF8.self)
    }

    func testAFieldHoldingTheSeparatorOfAnyCommonLocaleIsQuoted() {
        XCTAssertEqual(field("plain"), "plain")
        XCTAssertEqual(field("a;b"), "\"a;b\"")
        XCTAssertEqual(field("a,b"), "\"a,b\"")
        XCTAssertEqual(field("a\tb"), "\"a\tb\"")
        XCTAssertEqual(field("a\r\nb"), "\"a\r\nb\"")
        XCTAssertEqual(field("say \"hi\""), "\"say \"\"hi\"\"\"")
    }

    func testTextThatWouldStartAFormulaAfterAnySeparatorIsGuarded() {
        XCTAssertEqual(field("=1+1"), "'=1+1")
        XCTAssertEqual(field("a72107;=1+1"), "\"a72107;'=1+1\"")
        XCTAssertEqual(field("a,+1;-2\t@x\n=y"), "\"a,'+1;'-2\t'@x\n'=y\"")
        XCTAssertEqual(field("a;\u{FF1D}1"), "\"a;'\u{FF1D}1\"")
        // A run of separators: the text after the last one is what a cell would start with.
        XCTAssertEqual(field("a;\t=1"), "\"a;\t'=1\"")
        // Spaces before the trigger: a reader that trims them starts the cell at the trigger.
        XCTAssertEqual(field("a; =1"), "\"a;' =1\"")
        XCTAssertEqual(field("  +1"), "'  +1")
        XCTAssertEqual(field("a b"), "a b")
        XCTAssertEqual(field("a;b=1"), "\"a;b=1\"")
        // Text the export writes itself (headers, links) is not changed.
        XCTAssertEqual(field("x;=y", guarded: false), "\"x;=y\"")
    }
}
