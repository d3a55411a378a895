import Domain
import XCTest

final class InviteCodesTests: XCTestCase {
    func testSearchCodesAvoidLookAlikes() {
        var random = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let code = InviteCodes.searchCode(using: &random)
            XCTAssertEqual(code.count, InviteCodes.searchCodeLength)
            XCTAssertTrue(code.allSatisfy { !"01OIL".contains($0) }, code)
        }
    }

    func testTokensCarry128BitsInURLSafeText() {
        var random = SystemRandomNumberGenerator()
        let tokens = (0..<1000).map { _ in InviteCodes.inviteToken(using: &random) }
        XCTAssertEqual(Set(tokens).count, tokens.count)
        for token in tokens {
            XCTAssertEqual(token.count, 22)
            XCTAssertTrue(token.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }, token)
        }
    }

    func testTypedCodesAreNormalized() {
        XCTAssertEqual(InviteCodes.normalizeSearchCode(" ab3d-ef 7k "), "AB3DEF7K")
    }

    func testSeededRandomIsDeterministic() {
        var a = SeededRandom(seed: 7), b = SeededRandom(seed: 7)
        XCTAssertEqual((0..<5).map { _ in a.next() }, (0..<5).map { _ in b.next() })
    }

    func testDatesStoreAsISO8601UTC() {
        XCTAssertEqual(DateText.store(secondsSince1970: 0), "1970-01-01T00:00:00Z")
        XCTAssertEqual(DateText.store(secondsSince1970: 1_795_617_000), "2026-11-25T14:30:00Z")
        XCTAssertEqual(DateText.store(secondsSince1970: 951_782_400), "2000-02-29T00:00:00Z")
        XCTAssertEqual(DateText.store(secondsSince1970: -1), "1969-12-31T23:59:59Z")
        XCTAssertEqual(DateText.display("2026-11-25T14:30:00Z"), "2026-11-25 14:30 UTC")
    }
}
