import Foundation
import XCTest
@testable import Domain

/// Emails as written: RFC 2047 for names and subjects beyond ASCII, no header added through any
/// value, multipart/alternative with both parts, an inline picture, addresses an SMTP server takes.
final class MailMessageTests: XCTestCase {
    func message(from: String = "Acme", to: String = "Dana", subject: String = "Hello", text: String = "Plain", html: String = "<p>HTML</p>") -> MailMessage {
        var message = MailMessage(from: MailAddress(name: from, address: "noreply@connect.example"),
                                  to: MailAddress(name: to, address: "dana@example.org"), subject: subject,
                                  date: Date(timeIntervalSince1970: 1_795_000_000), messageID: "<key1234567890123456789012@connect.example>",
                                  text: text, html: html)
        message.headers = [("List-Unsubscribe", "<https://connect.example/unsubscribe/x>")]
        return message
    }

    /// The header section, unfolded: one entry per header.
    func headers(_ message: MailMessage) -> [(name: String, value: String)] {
        let text = String(decoding: message.rendered(), as: UTF8.self)
        let head = text.components(separatedBy: "\r\n\r\n")[0]
        let bytes = Array(head.utf8)
        XCTAssertFalse(bytes.indices.contains { (bytes[$0] == 10 && ($0 == 0 || bytes[$0 - 1] != 13)) || (bytes[$0] == 13 && ($0 + 1 == bytes.count || bytes[$0 + 1] != 10)) },
                       "a bare CR or LF in the headers")
        return head.replacingOccurrences(of: "\r\n ", with: " ").components(separatedBy: "\r\n").map { line in
            let colon = line.firstIndex(of: ":")!
            return (String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces))
        }
    }

    /// RFC 2047 "B" words back to text, the rest as it is.
    func decodeWords(_ value: String) -> String {
        var result = Data(), rest = Substring(value)
        while let start = rest.range(of: "=?UTF-8?B?") {
            result += Data(rest[..<start.lowerBound].utf8)
            let after = rest[start.upperBound...]
            let end = after.range(of: "?=")!
            result += Data(base64Encoded: String(after[..<end.lowerBound]))!
            rest = after[end.upperBound...]
            // Whitespace between two encoded words is not part of the text (RFC 2047, 6.2).
            if rest.hasPrefix(" =?UTF-8?B?") { rest = rest.dropFirst() }
        }
        return String(decoding: result + Data(rest.utf8), as: UTF8.self)
    }

    func testNonASCIINamesAndSubjectsAreEncodedWordsThatDecodeToTheText() throws {
        let name = "Åsa Öberg-Łukasz 日本語の会社 and a very long name that needs several encoded words"
        let subject = "Ihre Anfrage für „Mitarbeiter“ wurde genehmigt ✅ — with a long tail to fold over lines"
        let found = headers(message(from: name, to: "Zoë", subject: subject))
        let from = try XCTUnwrap(found.first { $0.name == "From" }?.value)
        XCTAssertTrue(from.hasPrefix("=?UTF-8?B?") && from.hasSuffix("<noreply@connect.example>"), from)
        XCTAssertEqual(decodeWords(String(from.dropLast(" <noreply@connect.example>".count))), name)
        XCTAssertEqual(decodeWords(try XCTUnwrap(found.first { $0.name == "Subject" }?.value)), subject)
        XCTAssertEqual(decodeWords(try XCTUnwrap(found.first { $0.name == "To" }?.value)), "Zoë <dana@example.org>")
        for line in String(decoding: message(from: name, subject: subject).rendered(), as: UTF8.self).components(separatedBy: "\r\n") {
            XCTAssertLessThanOrEqual(line.utf8.count, 78, line)
        }
        // Plain ASCII stays readable: a quoted name, a plain subject.
        let plain = headers(message(from: "Acme \"Robotics\" \\ Sons", subject: "Your request to join Staff"))
        XCTAssertEqual(plain.first { $0.name == "From" }?.value, #""Acme \"Robotics\" \\ Sons" <noreply@connect.example>"#)
        XCTAssertEqual(plain.first { $0.name == "Subject" }?.value, "Your request to join Staff")
    }

    func testNoHeaderCanBeInjectedThroughANameSubjectOrValue() {
        for hostile in ["Evil\r\nBcc: victim@example.org", "Evil\nBcc: victim@example.org", "Evil\rBcc: victim@example.org",
                        "Evil\u{2028}Bcc: victim@example.org", "Évil\r\nBcc: victim@example.org", "=?UTF-8?B?QmNjOg==?=\r\n\r\nbody"] {
            var mail = message(from: hostile, to: hostile, subject: hostile)
            mail.headers = [("List-Unsubscribe", "<https://x.example/u>\r\nBcc: victim@example.org")]
            let found = headers(mail)
            XCTAssertEqual(found.map(\.name), ["Date", "From", "To", "Subject", "Message-ID", "MIME-Version", "Auto-Submitted",
                                               "List-Unsubscribe", "Content-Type"], hostile.debugDescription)
            XCTAssertFalse(found.contains { $0.name.lowercased() == "bcc" })
        }
    }

    func testBothPartsAreSentQuotedPrintableAndDecodeToWhatWasWritten() throws {
        let text = "Thanks, Zoë.\nA line = with equals, trailing spaces   \n" + String(repeating: "long ", count: 40) + "\n\nÉcole 日本 ✅\r\n.starts with a dot"
        let html = "<p>Reason: Badge &amp; card</p>"
        let rendered = String(decoding: message(text: text, html: html).rendered(), as: UTF8.self)
        XCTAssertTrue(rendered.contains("Content-Type: multipart/alternative; boundary="))
        let parts = rendered.components(separatedBy: "Content-Transfer-Encoding: quoted-printable\r\n\r\n").dropFirst().map {
            $0.components(separatedBy: "\r\n--=_")[0]
        }
        XCTAssertEqual(parts.count, 2)
        XCTAssertEqual(QuotedPrintableDecoding.decode(parts[0]), text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n"))
        XCTAssertEqual(QuotedPrintableDecoding.decode(parts[1]), html)
        XCTAssertTrue(rendered.contains("Content-Type: text/plain; charset=utf-8") && rendered.contains("Content-Type: text/html; charset=utf-8"))
        for line in rendered.components(separatedBy: "\r\n") { XCTAssertLessThanOrEqual(line.utf8.count, 78, line) }
    }

    func testAnInlinePictureIsAPartOfTheHTMLWithItsContentID() {
        var mail = message(html: "<img src=\"cid:qr-1@connect.example\">")
        mail.images = [InlineImage(contentID: "qr-1@connect.example", fileName: "invite-qr.png", png: Array(repeating: 0xAB, count: 5000))]
        let rendered = String(decoding: mail.rendered(), as: UTF8.self)
        XCTAssertTrue(rendered.contains("Content-Type: multipart/related; boundary="))
        XCTAssertTrue(rendered.contains("Content-ID: <qr-1@connect.example>"))
        XCTAssertTrue(rendered.contains("Content-Type: image/png; name=\"invite-qr.png\"\r\nContent-Transfer-Encoding: base64"))
        let encoded = rendered.components(separatedBy: "Content-Disposition: inline; filename=\"invite-qr.png\"\r\n\r\n")[1].components(separatedBy: "\r\n--")[0]
        XCTAssertEqual(Data(base64Encoded: encoded.replacingOccurrences(of: "\r\n", with: "")).map(Array.init), Array(repeating: 0xAB, count: 5000))
    }

    func testOnlyAddressesAnSMTPServerTakesAsTheyAreAreUsable() {
        for good in ["dana@example.org", "first.last+tag@sub.example.co.uk", "o'neil@example.ie", "x_y-z@a-b.example"] {
            XCTAssertTrue(MailAddress.isUsable(good), good)
        }
        for bad in ["dana", "a b@example.org", "a<b>@example.org", "a\r\n@example.org", "ünï@example.org", "a@example", "a..b@example.org",
                    ".a@example.org", "a@-example.org", "a@exa_mple.org", "\"quoted\"@example.org", "a@b@example.org", "a@example.org>"] {
            XCTAssertFalse(MailAddress.isUsable(bad), bad)
        }
        XCTAssertEqual(MailAddress(parsing: "Connections <noreply@connect.example>"), MailAddress(name: "Connections", address: "noreply@connect.example"))
        XCTAssertEqual(MailAddress(parsing: "\"Acme, Inc\" <a@b.example>")?.name, "Acme, Inc")
        XCTAssertNil(MailAddress(parsing: "Connections <no reply@x.example>"))
    }

    func testTheDateIsRFC5322s() {
        XCTAssertEqual(MailHeader.date(Date(timeIntervalSince1970: 0)), "Thu, 01 Jan 1970 00:00:00 +0000")
        XCTAssertEqual(MailHeader.date(DateText.parse("2026-11-25T14:30:05Z")!), "Wed, 25 Nov 2026 14:30:05 +0000")
    }
}

/// Quoted-printable back to text, for checking what was written.
enum QuotedPrintableDecoding {
    static func decode(_ encoded: String) -> String {
        let bytes = Array(encoded.replacingOccurrences(of: "=\r\n", with: "").utf8)
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "="), index + 2 < bytes.count, let value = UInt8(String(decoding: bytes[index + 1...index + 2], as: UTF8.self), radix: 16) {
                out.append(value)
                index += 3
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
