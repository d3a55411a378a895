@testable import Domain
import Foundation
import XCTest

/// The one base64url of tokens, secrets, signatures and cursors, against Foundation's base64.
final class Base64URLTests: XCTestCase {
    func testEncodesAsRFC4648SaysAndDecodesWhatItEncoded() {
        var random = SeededRandom(seed: 7)
        for length in 0...70 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            let expected = Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            XCTAssertEqual(Base64URL.encode(bytes), expected, "\(length) bytes")
            XCTAssertEqual(Base64URL.decode(expected), bytes, "\(length) bytes")
        }
        XCTAssertEqual(Base64URL.encode([0xFB, 0xFF]), "-_8")
    }

    func testRefusesWhatItCannotHaveWritten() {
        for text in ["a", "abcde", "ab=", "ab+/", "a b", "ab\u{0}c", "é", "-_9"] {
            XCTAssertNil(Base64URL.decode(text), text.debugDescription)
        }
    }

    func testSecretsSignaturesAndCursorsUseIt() throws {
        XCTAssertEqual(Base64URL.decode(Secret.generate())?.count, 32)
        var random = SeededRandom(seed: 1)
        XCTAssertEqual(Base64URL.decode(InviteCodes.inviteToken(using: &random))?.count, 16)
        let cursor = QueryCursor.encode(list: "connections", query: [("filter", "name:contains:a/b?")], place: ["x", "y|ü"])
        XCTAssertNotNil(Base64URL.decode(cursor))
        XCTAssertEqual(try QueryCursor.decode(cursor, list: "connections", query: [("filter", "name:contains:a/b?")], places: 2), ["x", "y|ü"], "the last place may hold any text")
        XCTAssertThrowsError(try QueryCursor.decode(cursor + "=", list: "connections", query: [("filter", "name:contains:a/b?")], places: 2))
    }
}
