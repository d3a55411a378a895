import Foundation
import XCTest

/// One request, one command: Web decodes forms and bodies into Domain commands and presents what
/// they return; it opens no transaction, writes no audit entry and records no event itself.
final class WebWritesNothingTests: XCTestCase {
    let web = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Sources/Web").standardizedFileURL

    func testNoWebFileOpensATransactionOrWritesAnAuditEntryOrAnEvent() throws {
        // (AuditLog is read by the audit page; `record(` is how an entry is written.)
        let forbidden = ["transaction(", ".record(by:", ".record(actorID:", "audit_log", "DomainEvents(", "domain_events", "INSERT INTO", "UPDATE ",
                         "DELETE FROM"]
        var found: [String] = []
        let files = FileManager.default.enumerator(at: web, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        XCTAssertGreaterThan(files.filter { $0.pathExtension == "swift" }.count, 20, "the Web sources are at \(web.path)")
        for file in files where file.pathExtension == "swift" {
            for (number, line) in try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let code = line.trimmingCharacters(in: .whitespaces)
                guard !code.hasPrefix("//") else { continue }
                for word in forbidden where code.contains(word) {
                    found.append("\(file.lastPathComponent):\(number + 1): \(word)")
                }
            }
        }
        XCTAssertEqual(found, [], "Web holds no transaction, audit insert, event or SQL write: a Domain command does")
    }
}
