import Domain
import Foundation
import XCTest

/// The API document states the server's checks as JSON Schema patterns and numbers; each must take
/// exactly what the check takes, or a generated client sends requests that fail (or the server takes
/// what the document forbids).
final class RequestRulePatternTests: XCTestCase {
    func matches(_ pattern: String, _ text: String) throws -> Bool {
        let regex = try NSRegularExpression(pattern: pattern)
        return regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    /// As the connection form checks a name or a question: trimmed, then one line of 1 to `limit`.
    func formAccepts(_ text: String, upTo limit: Int) -> Bool {
        StoredText.isLine(text.trimmingCharacters(in: .whitespacesAndNewlines), upTo: limit)
    }

    func testTheLinePatternTakesExactlyWhatTheFormTakes() throws {
        let samples = ["Fleet", " Fleet ", "\tFleet\n", "a", " ", "", "\n", "a b", "a\tb", "a\nb", "a\u{0}b", "a\u{202E}b", "\u{202E}a",
                       "Café Lumière", "👩‍👩‍👧 Family", "\u{00A0}x\u{3000}", "x\u{85}", "a\u{200F}", String(repeating: "x", count: 10),
                       String(repeating: "x", count: 11), " " + String(repeating: "x", count: 10) + " ", "x" + String(repeating: " ", count: 9) + "y",
                       "\u{7F}", "a\u{9F}b", "\u{2028}a\u{2029}", "a\u{2028}b"]
        for sample in samples {
            XCTAssertEqual(try matches(StoredText.linePattern(upTo: 10), sample), formAccepts(sample, upTo: 10), sample.debugDescription)
        }
    }

    func testPatternsEndAtTheEndNotBeforeAFinalLineFeed() throws {
        // Python's `$` would take "a.com\n": the patterns end with a look-ahead every dialect reads alike.
        XCTAssertFalse(try matches(ConnectionDraft.domainPattern, "a.com\n"))
        XCTAssertFalse(try matches(StoredText.linePattern(upTo: 10, padded: false), "Badge\n"))
        XCTAssertTrue(try matches(StoredText.linePattern(upTo: 10), "Badge\n"), "trimmed away")
        for (sample, accepted) in [("Badge", true), (" Badge", false), ("Badge ", false), ("", false), ("Bad ge", true)] {
            XCTAssertEqual(try matches(StoredText.linePattern(upTo: 10, padded: false), sample), accepted, sample)
        }
    }

    func testTheReasonPatternTakesLineBreaksAsTheDecisionDoes() throws {
        let pattern = StoredText.linePattern(upTo: 5, lineBreaks: true)
        for (sample, accepted) in [("No", true), ("a\nb", true), ("a\r\nb", true), ("a\rb", false), ("a\u{202E}b", false), ("\n", false),
                                   ("abcde", true), ("abcdef", false), ("ab\r\ncd", true), (" ab\n ", true), ("a\tb", false)] {
            XCTAssertEqual(try matches(pattern, sample), accepted, sample.debugDescription)
        }
    }

    func testTheDomainPatternTakesExactlyWhatTheDomainCheckTakes() throws {
        let long = String(repeating: "a", count: 63)
        for sample in ["example.com", "Example.COM", "a.b", "a-b.c-d.e", "localhost", "-a.com", "a-.com", "a..com", ".a.com", "a.com.",
                       "a_b.com", "a.com ", " a.com", "@a.com", "xn--caf-dma.fr", "café.fr", "\(long).com", "\(long)a.com", "1.2"] {
            XCTAssertEqual(try matches(ConnectionDraft.domainPattern, sample), ConnectionDraft.isDomain(sample), sample)
        }
    }

    func testAJSONNumberWithNoFractionIsAnInteger() {
        let range = RequestNumber.ids
        for (text, value) in [("27", 27), ("27.0", 27), ("27.000", 27), ("2.7e1", 27), ("2.7E+1", 27), ("270e-1", 27), ("1e2", 100),
                              ("9007199254740992", 1 << 53), ("9007199254740992.0", 1 << 53), ("-0.0", nil), ("0", nil)] as [(String, Int?)] {
            XCTAssertEqual(RequestNumber.parse(jsonNumber: text, in: range), value, text)
        }
        for text in ["27.5", "2.75e1", "1e-1", "9007199254740993", "1e16", "1e999999999", "1e-999999999", "-1", "0.5"] {
            XCTAssertNil(RequestNumber.parse(jsonNumber: text, in: range), text)
        }
        XCTAssertEqual(RequestNumber.parse(jsonNumber: "0e999999999", in: 0...1), 0)
        XCTAssertEqual(RequestNumber.parse(jsonNumber: "-5.0", in: -10...10), -5)
    }
}
