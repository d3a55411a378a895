import Foundation
import Logging
@testable import Observability
import XCTest

final class JSONLogHandlerTests: XCTestCase {
    func testALineIsOneJSONObjectWithItsFieldsNumbersStayNumbers() throws {
        let line = JSONLogHandler.line(at: Date(timeIntervalSince1970: 0), level: .error, message: "500 GET /x: \"quoted\"\nsecond line\u{1}",
                                       fields: ["request_id": "abc", "status": .stringConvertible(500), "duration_ms": .stringConvertible(1.5),
                                                "route": "/connections/{id}"])
        XCTAssertFalse(line.contains(UInt8(ascii: "\n")), "one line, whatever the message holds")
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
        XCTAssertEqual(object["timestamp"] as? String, "1970-01-01T00:00:00.000Z")
        XCTAssertEqual(object["level"] as? String, "error")
        XCTAssertEqual(object["message"] as? String, "500 GET /x: \"quoted\"\nsecond line\u{1}")
        XCTAssertEqual(object["request_id"] as? String, "abc")
        XCTAssertEqual(object["status"] as? Int, 500)
        XCTAssertEqual(object["duration_ms"] as? Double, 1.5)
        XCTAssertEqual(object["route"] as? String, "/connections/{id}")
        XCTAssertEqual(object["process"] as? Int, Int(getpid()))
    }
}
