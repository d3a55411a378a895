import Foundation

/// A `multipart/form-data` body (RFC 7578), as a form with a file input sends it: its text fields
/// join the request's form, its files are kept as bytes with the name the browser gave them.
struct MultipartBody {
    var fields: [(name: String, value: String)] = []
    var files: [UploadedFile] = []

    /// Nil when `contentType` is not multipart or names no boundary; a malformed body gives what was read.
    init?(contentType: String, body: [UInt8]) {
        guard contentType.lowercased().hasPrefix("multipart/form-data"),
              let boundaryParameter = contentType.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) })
                .first(where: { $0.lowercased().hasPrefix("boundary=") }) else { return nil }
        let boundary = Array(("--" + boundaryParameter.dropFirst("boundary=".count).trimmingCharacters(in: ["\""])).utf8)
        guard boundary.count > 2 else { return nil }
        var position = Self.find(boundary, in: body, from: 0)
        while let start = position {
            var cursor = start + boundary.count
            // "--" after the boundary ends the body.
            guard cursor + 2 <= body.count, !(body[cursor] == 0x2D && body[cursor + 1] == 0x2D) else { break }
            cursor += 2  // CRLF
            guard let headersEnd = Self.find([0x0D, 0x0A, 0x0D, 0x0A], in: body, from: cursor),
                  let next = Self.find([0x0D, 0x0A] + boundary, in: body, from: headersEnd + 4) else { break }
            let headers = String(decoding: body[cursor..<headersEnd], as: UTF8.self)
            let content = Array(body[(headersEnd + 4)..<next])
            if let disposition = headers.split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("content-disposition:") }) {
                let parameters = Self.parameters(String(disposition))
                if let name = parameters["name"] {
                    if let filename = parameters["filename"] {
                        files.append(UploadedFile(field: name, filename: filename, bytes: content))
                    } else {
                        fields.append((name, String(decoding: content, as: UTF8.self)))
                    }
                }
            }
            position = next + 2
        }
    }

    /// `name="x"; filename="y"` of a Content-Disposition header (quotes as browsers send them: `%22` for a quote).
    static func parameters(_ header: String) -> [String: String] {
        var parameters: [String: String] = [:]
        for part in header.split(separator: ";").dropFirst() {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            var value = pair[1].trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            parameters[pair[0].trimmingCharacters(in: .whitespaces).lowercased()] = value.replacingOccurrences(of: "%22", with: "\"")
        }
        return parameters
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard let first = needle.first, needle.count <= haystack.count else { return nil }
        var index = start
        while index + needle.count <= haystack.count {
            if haystack[index] == first && haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}

/// A file a form sent.
public struct UploadedFile: Sendable {
    /// The form field's name.
    public let field: String
    /// The name the browser gave (its last path component, as the user's disk has it).
    public let filename: String
    public let bytes: [UInt8]
}
