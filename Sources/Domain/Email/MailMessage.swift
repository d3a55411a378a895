import Foundation

/// An address for a header and an SMTP envelope: a display name (any text) and a plain ASCII
/// address (RFC 5322's dot-atom, which holds no space, quote, angle bracket or line break).
public struct MailAddress: Sendable, Equatable {
    public let name: String
    public let address: String

    public init(name: String, address: String) {
        self.name = name
        self.address = address
    }

    /// "Name <addr@example.com>" or "addr@example.com"; nil when the address cannot be used in email.
    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasSuffix(">"), let open = trimmed.lastIndex(of: "<") {
            var name = trimmed[..<open].trimmingCharacters(in: .whitespaces)
            if name.count >= 2, name.hasPrefix("\""), name.hasSuffix("\"") { name = String(name.dropFirst().dropLast()) }
            self.init(name: name, address: String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)]))
        } else {
            self.init(name: "", address: trimmed)
        }
        guard Self.isUsable(address) else { return nil }
    }

    /// Whether an SMTP server can be given this address without quoting: ASCII letters, digits and
    /// RFC 5322's atext symbols in dot-separated runs, an @, and a domain of letters, digits and hyphens.
    public static func isUsable(_ address: String) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard address.utf8.count <= 254, parts.count == 2 else { return false }
        let atext = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~".utf8)
        let local = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        let domain = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        let label = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-".utf8)
        return parts[0].utf8.count <= 64 && local.allSatisfy { !$0.isEmpty && $0.utf8.allSatisfy(atext.contains) }
            && domain.count >= 2 && domain.allSatisfy { !$0.isEmpty && $0.utf8.count <= 63 && $0.utf8.allSatisfy(label.contains)
                && !$0.hasPrefix("-") && !$0.hasSuffix("-") }
    }

    /// As a header writes it: the name as a quoted string, or RFC 2047 encoded words when it is not ASCII.
    var header: String {
        let name = MailHeader.oneLine(self.name)
        return name.isEmpty ? "<\(address)>" : "\(MailHeader.phrase(name)) <\(address)>"
    }
}

/// A picture shown inside the HTML part (`<img src="cid:…">`).
public struct InlineImage: Sendable {
    public let contentID: String
    public let fileName: String
    public let png: [UInt8]

    public init(contentID: String, fileName: String, png: [UInt8]) {
        self.contentID = contentID
        self.fileName = fileName
        self.png = png
    }
}

/// An email as sent: headers, a plain-text and an HTML part (`multipart/alternative`), and
/// pictures for the HTML part (`multipart/related`). Every header value passes through
/// `MailHeader`, which drops line breaks, so no name, subject or reason can add a header.
public struct MailMessage: Sendable {
    public var from: MailAddress
    public var to: MailAddress
    public var subject: String
    public var date: Date
    /// "<unique@domain>"
    public var messageID: String
    /// Further headers (List-Unsubscribe…): names are the caller's constants, values are made one line.
    public var headers: [(name: String, value: String)] = []
    public var text: String
    public var html: String
    public var images: [InlineImage] = []

    public init(from: MailAddress, to: MailAddress, subject: String, date: Date, messageID: String, text: String, html: String) {
        self.from = from
        self.to = to
        self.subject = subject
        self.date = date
        self.messageID = messageID
        self.text = text
        self.html = html
    }

    /// The message in RFC 5322 form, lines ending in CRLF.
    public func rendered() -> [UInt8] {
        // "=_" never occurs in quoted-printable or base64 text, so no part can end early.
        let unique = messageID.filter { $0.isASCII && ($0.isLetter || $0.isNumber) }.prefix(22)
        let boundary = "=_a" + unique
        var lines = [
            "Date: " + MailHeader.date(date),
            "From: " + from.header,
            "To: " + to.header,
            "Subject: " + MailHeader.unstructured(subject),
            "Message-ID: " + MailHeader.oneLine(messageID),
            "MIME-Version: 1.0",
            "Auto-Submitted: auto-generated",
        ]
        lines += headers.map { "\($0.name): " + MailHeader.oneLine($0.value) }
        lines += ["Content-Type: multipart/alternative; boundary=\"\(boundary)\"", "", "This is a message in MIME format.", ""]
        lines += ["--" + boundary] + Self.textPart(text, type: "text/plain")
        lines.append("--" + boundary)
        if images.isEmpty {
            lines += Self.textPart(html, type: "text/html")
        } else {
            let related = "=_r" + unique
            lines += ["Content-Type: multipart/related; boundary=\"\(related)\";", " type=\"text/html\"", ""]
            lines += ["--" + related] + Self.textPart(html, type: "text/html")
            for image in images {
                lines += ["--" + related, "Content-Type: image/png; name=\"\(image.fileName)\"", "Content-Transfer-Encoding: base64",
                          "Content-ID: <\(image.contentID)>", "Content-Disposition: inline; filename=\"\(image.fileName)\"", ""]
                let encoded = Array(Data(image.png).base64EncodedString().utf8)
                lines += stride(from: 0, to: encoded.count, by: 76).map { String(decoding: encoded[$0..<min($0 + 76, encoded.count)], as: UTF8.self) }
            }
            lines.append("--" + related + "--")
        }
        lines += ["--" + boundary + "--", ""]
        return Array(lines.joined(separator: "\r\n").utf8)
    }

    static func textPart(_ body: String, type: String) -> [String] {
        ["Content-Type: \(type); charset=utf-8", "Content-Transfer-Encoding: quoted-printable", "", QuotedPrintable.encode(body)]
    }
}

/// Header values: one line, and RFC 2047 encoded words for anything beyond printable ASCII.
enum MailHeader {
    /// Control characters (CR, LF, tabs, NUL…) become spaces, runs of spaces one: a value can
    /// never end its header line and start another.
    static func oneLine(_ text: String) -> String {
        var result = ""
        var lastWasSpace = true
        for scalar in text.unicodeScalars {
            let space = scalar.properties.generalCategory == .control || scalar.properties.isWhitespace
                || scalar == "\u{2028}" || scalar == "\u{2029}"
            if space {
                if !lastWasSpace { result.append(" ") }
            } else {
                result.unicodeScalars.append(scalar)
            }
            lastWasSpace = space
        }
        return result.trimmingCharacters(in: .whitespaces)
    }

    static func isPrintableASCII(_ text: String) -> Bool {
        text.utf8.allSatisfy { (0x20...0x7E).contains($0) }
    }

    /// A display name: a quoted string when ASCII, else encoded words (which need no quoting).
    static func phrase(_ text: String) -> String {
        let text = oneLine(text)
        guard isPrintableASCII(text), text.utf8.count <= 60, !text.contains("=?") else { return encodedWords(text) }
        return "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// A subject: as it is when short printable ASCII, else encoded words.
    static func unstructured(_ text: String) -> String {
        let text = oneLine(text)
        guard isPrintableASCII(text), text.utf8.count <= 66, !text.contains("=?") else { return encodedWords(text) }
        return text
    }

    /// RFC 2047 "B" encoded words of at most 39 bytes of UTF-8 each (never splitting a character),
    /// folded onto lines of their own so that no line passes 76 characters.
    static func encodedWords(_ text: String) -> String {
        var words: [[UInt8]] = []
        var chunk: [UInt8] = []
        for scalar in text.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if chunk.count + bytes.count > 39 {
                words.append(chunk)
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty || words.isEmpty { words.append(chunk) }
        return words.map { "=?UTF-8?B?" + Data($0).base64EncodedString() + "?=" }.joined(separator: "\r\n ")
    }

    /// RFC 5322's date: "Tue, 25 Nov 2026 14:30:00 +0000".
    static func date(_ date: Date) -> String {
        let stored = DateText.store(date)  // 2026-11-25T14:30:00Z
        let parts = stored.split(whereSeparator: { "-T:Z".contains($0) }).compactMap { Int($0) }
        guard parts.count == 6 else { return stored }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let days = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]  // 1970-01-01 was a Thursday
        let day = Int((date.timeIntervalSince1970 / 86_400).rounded(.down))
        let weekday = days[(day % 7 + 7) % 7]
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : String(n) }
        return "\(weekday), \(two(parts[2])) \(months[parts[1] - 1]) \(parts[0]) \(two(parts[3])):\(two(parts[4])):\(two(parts[5])) +0000"
    }
}

/// Quoted-printable (RFC 2045): readable for ASCII, any UTF-8 safely, lines of at most 76 characters.
enum QuotedPrintable {
    static func encode(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var lines: [String] = []
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        for line in normalized.split(separator: "\n", omittingEmptySubsequences: false) {
            var out: [UInt8] = []
            var width = 0
            let bytes = Array(line.utf8)
            for (index, byte) in bytes.enumerated() {
                let last = index == bytes.count - 1
                // Spaces and tabs at a line's end would be dropped in transit; "=" and non-ASCII are escaped.
                let plain = (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "=")) || ((byte == 32 || byte == 9) && !last)
                let piece: [UInt8] = plain ? [byte] : [UInt8(ascii: "="), hex[Int(byte >> 4)], hex[Int(byte & 15)]]
                if width + piece.count > 75 {
                    out += Array("=\r\n".utf8)  // a soft line break
                    width = 0
                }
                out += piece
                width += piece.count
            }
            lines.append(String(decoding: out, as: UTF8.self))
        }
        return lines.joined(separator: "\r\n")
    }
}
