import XCTest
@testable import FastCGI

/// A form with a file input, as browsers send it: text fields join the form, the file keeps its bytes
/// (line breaks and a boundary-like line inside included).
final class MultipartBodyTests: XCTestCase {
    func testFieldsAndAFileWithLineBreaks() {
        let file = "Email,Name\r\na@b.example,\"A\r\n--not the boundary\"\r\n"
        let body = "--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\ntoken\r\n"
            + "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"staff %22A%22.csv\"\r\nContent-Type: text/csv\r\n\r\n\(file)\r\n"
            + "--XyZ--\r\n"
        let request = Request(method: "POST", path: "/connections/1/import", headers: ["content-type": "multipart/form-data; boundary=\"XyZ\""],
                              body: Array(body.utf8))
        XCTAssertEqual(request.formValue("csrf"), "token")
        XCTAssertEqual(request.file("file")?.filename, "staff \"A\".csv")
        XCTAssertEqual(request.file("file")?.bytes, Array(file.utf8))
        XCTAssertNil(request.file("other"))
        // Not multipart: a url-encoded form as before, no files.
        let form = Request(method: "POST", path: "/x", headers: ["content-type": "application/x-www-form-urlencoded"], body: Array("a=1".utf8))
        XCTAssertEqual(form.formValue("a"), "1")
        XCTAssertTrue(form.files.isEmpty)
    }
}
