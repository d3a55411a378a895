@testable import FastCGI
import XCTest

final class URLEncodingTests: XCTestCase {
    func testParsesRepeatedAndEmptyValuesInOrder() {
        let pairs = URLEncoding.parse("f=a&f=b&empty=&flag&x=1%2B1+%3D+2")
        XCTAssertEqual(pairs.map(\.name), ["f", "f", "empty", "flag", "x"])
        XCTAssertEqual(pairs.map(\.value), ["a", "b", "", "", "1+1 = 2"])
    }

    func testDecodesUTF8AndKeepsBrokenEscapes() {
        XCTAssertEqual(URLEncoding.decode("%C3%89COLE"), "ÉCOLE")
        XCTAssertEqual(URLEncoding.decode("100%"), "100%")
        XCTAssertEqual(URLEncoding.decode("%zz%4"), "%zz%4")
    }

    func testEncodeRoundTrips() {
        let value = "Café & \"quotes\" <tag> 50% + ü/?#"
        XCTAssertEqual(URLEncoding.decode(URLEncoding.encode(value)), value)
        XCTAssertEqual(URLEncoding.encode([(name: "sort", value: "name"), (name: "q", value: "a b")]), "sort=name&q=a%20b")
    }

    func testCookiesAndQueryOfARequest() {
        let request = Request(method: "GET", path: "/connections", queryString: "sort=name&page=2",
                              headers: ["cookie": "session=abc; theme=dark; session=second"])
        XCTAssertEqual(request.cookies, ["session": "abc", "theme": "dark"])
        XCTAssertEqual(request.queryValue("page"), "2")
        XCTAssertNil(request.queryValue("size"))
    }

    func testFormBody() {
        let request = Request(method: "POST", path: "/x", body: Array("name=Fleet+%231&name=2".utf8))
        XCTAssertEqual(request.form.map(\.value), ["Fleet #1", "2"])
    }

    func testHeaderBlockDropsHeaderInjection() {
        let response = Response(status: 303, headers: [("Location", "/ok"), ("X-Evil", "a\r\nSet-Cookie: x=1")])
        let block = response.headerBlock(contentLength: 0)
        XCTAssertTrue(block.hasPrefix("Status: 303 See Other\r\nLocation: /ok\r\n"))
        XCTAssertFalse(block.contains("Set-Cookie"))
        XCTAssertTrue(block.hasSuffix("Content-Length: 0\r\n\r\n"))
        XCTAssertTrue(response.headerBlock(contentLength: nil).contains("X-Accel-Buffering: no"))
    }
}
