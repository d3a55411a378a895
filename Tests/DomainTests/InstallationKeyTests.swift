import Domain
import Foundation
import XCTest

/// The installation key's AES-256-GCM: what is sealed opens with the same key and context only,
/// and any change to the sealed bytes is found.
final class InstallationKeyTests: XCTestCase {
    let text = Array(#"{"password":"p4ss wörd","host":"smtp.example.com"}"#.utf8)

    func testARoundTripOpensWhatWasSealedAndEachSealIsNew() throws {
        let key = InstallationKey.generate()
        let sealed = key.seal(text, context: "email_settings.1")
        XCTAssertEqual(try key.open(sealed, context: "email_settings.1"), text)
        XCTAssertNotEqual(key.seal(text, context: "email_settings.1"), sealed, "a fresh nonce each time")
        XCTAssertNil(String(decoding: sealed, as: UTF8.self).range(of: "p4ss"), "nothing of the text shows")
        XCTAssertEqual(try key.open(key.seal([], context: "x"), context: "x"), [])
    }

    func testTamperingAnotherKeyAndAnotherPlaceAreRefused() throws {
        let key = InstallationKey.generate()
        let sealed = key.seal(text, context: "email_settings.1")
        for index in [0, 1, 13, sealed.count / 2, sealed.count - 1] {
            var changed = sealed
            changed[index] ^= 0x01
            XCTAssertThrowsError(try key.open(changed, context: "email_settings.1"), "byte \(index) changed")
        }
        XCTAssertThrowsError(try key.open(Array(sealed.dropLast()), context: "email_settings.1"), "cut short")
        XCTAssertThrowsError(try InstallationKey.generate().open(sealed, context: "email_settings.1"), "another key")
        XCTAssertThrowsError(try key.open(sealed, context: "something else"), "moved to another place")
    }

    func testTheKeyFileIsMadeOnceWithMode0600AndReadBack() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("key-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let made = try InstallationKey.loadOrCreate(at: path)
        let mode = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        XCTAssertEqual(mode, 0o600)
        let again = try InstallationKey.loadOrCreate(at: path)
        XCTAssertEqual(try again.open(made.seal(text, context: "c"), context: "c"), text, "the same key from the file")
        try "too short".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try InstallationKey.loadOrCreate(at: path))
    }
}
