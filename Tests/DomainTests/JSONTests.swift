import Domain
import Foundation
import XCTest

/// The request parser's caps and its reading of every shape. Its speed on 1 MiB bodies is proved by
/// `scripts/bench-json` (BENCHMARKS.md), not by a timed test.
final class JSONTests: XCTestCase {
    func object(_ count: Int, _ key: (Int) -> String = { "k\($0)" }) -> [UInt8] {
        Array(("{" + (0..<count).map { "\"\(key($0))\":\($0)" }.joined(separator: ",") + "}").utf8)
    }

    func refusal(_ bytes: [UInt8]) -> String? {
        do { _ = try JSON.parse(bytes); return nil } catch { return error.message }
    }

    func testMembersPerObjectAreCapped() throws {
        let most = JSON.Limits.request.membersPerObject
        XCTAssertEqual(try JSON.parse(object(most))["k\(most - 1)"]?.int, most - 1)
        XCTAssertEqual(refusal(object(most + 1)), "An object in the body has more than 200 members (at byte 1982): no object of this API has nearly that many.")
        // The attack's body: 131,565 distinct keys in 1 MiB, refused at its 201st member.
        XCTAssertEqual(refusal(object(131_565))?.hasPrefix("An object in the body has more than 200 members"), true)
    }

    func testValuesPerDocumentAreCapped() throws {
        let most = JSON.Limits.request.values
        let list = { (count: Int) in Array(("[" + Array(repeating: "1", count: count).joined(separator: ",") + "]").utf8) }
        XCTAssertEqual(try JSON.parse(list(most - 1)).array?.count, most - 1, "the list itself is a value too")
        XCTAssertEqual(refusal(list(most)), "The body holds more than 20000 JSON values (at byte 40000): send at most that many in one request.")
        // Nested values count as well: 2,000 objects of 10 members each.
        let objects = "[" + Array(repeating: String(decoding: object(10), as: UTF8.self), count: 2_000).joined(separator: ",") + "]"
        XCTAssertEqual(refusal(Array(objects.utf8))?.hasPrefix("The body holds more than 20000 JSON values"), true)
        // Limits are the caller's: lifted, the same document parses.
        XCTAssertEqual(try JSON.parse(list(most), limits: JSON.Limits(membersPerObject: 10, values: .max)).array?.count, most)
    }

    func testARepeatedMemberIsFoundWhereverItIs() {
        XCTAssertEqual(refusal(Array(#"{"a":1,"b":2,"a":3}"#.utf8)), "The body is not valid JSON: “a” given twice at byte 17.")
        var far = object(150)
        far.removeLast()
        far += Array(#","k0":1}"#.utf8)
        XCTAssertEqual(refusal(far)?.hasSuffix("“k0” given twice at byte \(far.count - 2)."), true)
        // The same name in two objects is no repeat.
        XCTAssertNotNil(try? JSON.parse(Array(#"[{"a":1},{"a":2}]"#.utf8)))
    }

    func testEveryShapeReads() throws {
        let text = #" {"s": "a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00 é", "n": -12.5e3, "t": true, "f": false, "z": null, "l": [[], {}, [1, [2]]]} "#
        let value = try JSON.parse(Array(text.utf8))
        XCTAssertEqual(value["s"]?.string, "a\"b\\c/d\u{8}\u{C}\n\r\té😀 é")
        XCTAssertEqual(value["n"], .number("-12.5e3"))
        XCTAssertEqual(value["t"], .bool(true))
        XCTAssertEqual(value["f"], .bool(false))
        XCTAssertEqual(value["z"], .null)
        XCTAssertEqual(value["l"]?.bytes, Array("[[],{},[1,[2]]]".utf8))
        XCTAssertEqual(value.bytes, try JSON.parse(value.bytes).bytes, "what is written reads back the same")
    }

    func testMalformedBodiesSayWhatAndWhere() {
        let cases: [(String, String)] = [
            (#"{"a":1"#, "an unexpected end at byte 7"), (#"{"a" 1}"#, "a missing colon at byte 6"), ("[1 2]", "a missing comma at byte 4"),
            ("nul", "an unexpected character at byte 1"), ("nulx", "an unexpected character at byte 1"), (#""abc"#, "an unterminated string at byte 5"),
            ("\"a\u{1}\"", "a control character inside a string at byte 3"), (#""\x""#, "an unknown escape at byte 4"),
            (#""\ud83d""#, "a lone surrogate at byte 8"), (#""\u12g4""#, #"a bad \u escape at byte 4"#), ("1 2", "more after the end of the value at byte 3"),
            ("{1:2}", "a missing member name at byte 2"),
        ]
        for (body, problem) in cases {
            XCTAssertEqual(refusal(Array(body.utf8)), "The body is not valid JSON: \(problem).", body)
        }
        XCTAssertEqual(refusal([0x22, 0xC3, 0x28, 0x22]), "The body is not valid JSON: text that is not UTF-8 at byte 5.")
    }

    /// Stored JSON (audit details, outbox payloads) is written and read by this one type: keys in
    /// order, nothing escaped that need not be (Foundation's JSONSerialization wrote "/" as "\/").
    func testStoredObjectsOfStringsAreWrittenInKeyOrderAndReadBack() throws {
        let details = ["rows": "12", "filters": "name contains a/b", "driver": "Zoë \"Z\"\n"]
        let text = JSON.text(of: details)
        XCTAssertEqual(text, #"{"driver":"Zoë \"Z\"\n","filters":"name contains a/b","rows":"12"}"#)
        XCTAssertEqual(JSON.strings(text), details)
        XCTAssertNil(JSON.strings(#"{"a":1}"#), "an object of strings only")
        XCTAssertNil(JSON.strings("[]"))
        XCTAssertNil(JSON.strings("{"))
    }

    /// One JSON in the app: no source goes back to Foundation's.
    func testNoSourceUsesJSONSerialization() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Sources").standardized
        let files = try XCTUnwrap(FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)).compactMap { $0 as? URL }
            .filter { $0.pathExtension == "swift" }
        XCTAssertGreaterThan(files.count, 50)
        for file in files {
            XCTAssertFalse(try String(contentsOf: file, encoding: .utf8).contains("JSON" + "Serialization"), file.lastPathComponent)
        }
    }
}
