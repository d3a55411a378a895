@testable import Domain
import Foundation
import Storage
import TestSupport
import XCTest

final class FormSignatureTests: XCTestCase {
    func testHMACMatchesRFC4231() {
        // RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?".
        let mac = SHA256.hmac(key: Array("Jefe".utf8), Array("what do ya want for nothing?".utf8))
        XCTAssertEqual(mac.map { String(format: "%02x", $0) }.joined(), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    func testOnlyTokensSignedWithThisInstallationsKeyHaveAPayload() throws {
        let folder = FileManager.default.temporaryDirectory
        let locations = try [TestDatabases.empty(in: folder), TestDatabases.empty(in: folder)]
        defer { locations.forEach(TestDatabases.drop) }
        let one = try Database(location: locations[0]), other = try Database(location: locations[1])
        let signature = try FormSignature(database: one)
        let token = signature.sign("random.time")
        XCTAssertEqual(signature.payload(of: token), "random.time")
        XCTAssertNil(try FormSignature(database: other).payload(of: token), "another installation's key")
        XCTAssertNil(signature.payload(of: "random.time"))
        XCTAssertNil(signature.payload(of: "random.tim3." + token.split(separator: ".").last!))
        XCTAssertNil(signature.payload(of: ""))
    }
}
