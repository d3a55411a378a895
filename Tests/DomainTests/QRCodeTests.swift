import Domain
import Foundation
import XCTest

final class QRCodeTests: XCTestCase {
    func testTheSVGHasTheQuietZoneAndOnePathOfModules() throws {
        let code = try QRCode(encoding: "https://connect.example.test/join/abcdefghijklmnopqrstuv")
        XCTAssertGreaterThanOrEqual(code.width, 21)
        let size = code.width + 2 * QRCode.quietZone
        let svg = code.svg()
        XCTAssertTrue(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(size) \(size)\""), svg)
        XCTAssertEqual(svg.components(separatedBy: "<path").count, 2)
        // The finder pattern's corner: the first dark module sits inside the quiet zone's edge.
        XCTAssertTrue(svg.contains("M\(QRCode.quietZone) \(QRCode.quietZone)h7"), svg)
    }

    func testThePNGIsAValidPrintSizeImage() throws {
        let png = try QRCode(encoding: "https://connect.example.test/join/abcdefghijklmnopqrstuv").png()
        XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let width = png[16..<20].reduce(0) { $0 << 8 | Int($1) }
        XCTAssertGreaterThanOrEqual(width, 1000)
        XCTAssertEqual(Array(png.suffix(12)), [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82])  // IEND with its CRC
    }
}
