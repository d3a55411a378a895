import Domain
import Foundation
import Storage
import XCTest
@testable import Web

/// The sender's work in-process, for tests that follow an emailed link: links are drawn only when
/// an email is composed for delivery, so they are read from the email, never from the outbox.
struct SentEmail {
    let item: OutboxItem
    let message: MailMessage

    /// The path of the email's first link under `prefix` ("/status/"), as its reader would open it.
    func path(_ prefix: String) throws -> String {
        let base = "https://connect.example.test"
        let link = message.text.components(separatedBy: .whitespacesAndNewlines).first { $0.hasPrefix(base + prefix) }
        return String(try XCTUnwrap(link, "no \(prefix) link in \(item.kind.rawValue)").dropFirst(base.count))
    }

    /// The secret of that link.
    func token(_ prefix: String) throws -> String { String(try path(prefix).dropFirst(prefix.count)) }
}

extension TestClient {
    /// Composes and marks sent every email due at `now` (skipped ones marked skipped), oldest first.
    func sendEmails(now: Date = Date(), outcome: Outbox.Outcome = .sent) throws -> [SentEmail] {
        let database = try otherConnection()
        let lease = OutboxLease(database: database, holder: "test", duration: 60)
        let outbox = Outbox(database: database)
        let composer = EmailComposer(configuration: handler.configuration, settings: EmailTests.settings, database: database)
        var sent: [SentEmail] = []
        for item in try outbox.claim(limit: 1000, lease: lease, now: now) {
            switch try composer.compose(item, now: now) {
            case .skip(let reason): try outbox.record(.skipped(reason), for: item, lease: lease, policy: .init(), now: now)
            case .message(let message):
                try outbox.record(outcome, for: item, lease: lease, policy: .init(), now: now)
                sent.append(SentEmail(item: item, message: message))
            }
        }
        return sent
    }
}
