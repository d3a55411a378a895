import XCTest
@testable import Domain

/// The CSV that spreadsheets write, read as its cells.
final class DelimitedTextTests: XCTestCase {
    func read(_ bytes: [UInt8]) throws -> [[String]] { try DelimitedText.records(bytes, limit: 100) }

    func testUTF8WithAndWithoutByteOrderMarkCommaOrSemicolon() throws {
        XCTAssertEqual(try read(Array("Email,Name\r\na@x.example,Zoë\r\n".utf8)), [["Email", "Name"], ["a@x.example", "Zoë"]])
        XCTAssertEqual(try read([0xEF, 0xBB, 0xBF] + Array("Email;Name\na@x.example;\"Doe, J\"\n".utf8)), [["Email", "Name"], ["a@x.example", "Doe, J"]])
    }

    func testUTF16LittleEndianTabSeparatedAsExcelsUnicodeText() throws {
        let text = "Email\tName\r\nb@x.example\tÅsa\r\n"
        let bytes: [UInt8] = [0xFF, 0xFE] + text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        XCTAssertEqual(try read(bytes), [["Email", "Name"], ["b@x.example", "Åsa"]])
    }

    func testQuotedLineBreaksQuotesFormulaTextAndTrailingEmptiness() throws {
        let text = "Email,Name,Note,,\n\"c@x.example\",\"Line one\nline \"\"two\"\"\",=SUM(A1),,\n,,,\n\n"
        XCTAssertEqual(try read(Array(text.utf8)), [["Email", "Name", "Note"], ["c@x.example", "Line one\nline \"two\"", "=SUM(A1)"]])
    }

    func testTooManyRowsOrNotTextIsRefused() {
        XCTAssertThrowsError(try DelimitedText.records(Array("a\nb\nc\nd\n".utf8), limit: 2)) { XCTAssertEqual(($0 as? ImportLimit)?.message, ImportLimit.tooManyRows(2).message) }
        XCTAssertThrowsError(try read([0x41, 0xC3, 0x28, 0x0A])) { XCTAssertTrue($0 is UserError) }
    }
}
