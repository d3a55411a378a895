import Foundation
import Storage

/// Failed sign-ins per account and per address over a window: after a few, each further try
/// must wait longer; after many, the account or address is refused until the window passes.
struct SignInThrottle {
    let database: Database

    static let window: TimeInterval = 15 * 60
    static let freeFailures = 3
    static let accountLimit = 10
    static let addressLimit = 30

    func check(account: String, address: String) throws {
        let since = DateText.store(Date().addingTimeInterval(-Self.window))
        let accountFailures = try failures(account, since: since)
        let addressFailures = try failures(address, since: since)
        if accountFailures.count >= Self.accountLimit || addressFailures.count >= Self.addressLimit {
            throw UserError.tooManyRequests("Too many failed sign-in attempts. Try again in 15 minutes.")
        }
        let worst = max(accountFailures.count, addressFailures.count / 3)
        guard worst >= Self.freeFailures, let lastDate = DateText.parse(max(accountFailures.last ?? "", addressFailures.last ?? "")) else { return }
        let wait = min(60, 1 << (worst - Self.freeFailures + 1))
        let remaining = Int(lastDate.addingTimeInterval(TimeInterval(wait)).timeIntervalSinceNow.rounded(.up))
        if remaining > 0 {
            throw UserError.tooManyRequests("Too many failed sign-in attempts. Wait \(remaining) seconds before trying again.")
        }
    }

    func failures(_ subject: String, since: String) throws -> [String] {
        try database.query("SELECT at FROM sign_in_failures WHERE subject = ?1 AND at > ?2 ORDER BY at", [.text(subject), .text(since)]) { $0.text(0) }
    }

    func recordFailure(_ subjects: [String]) throws {
        let now = DateText.now()
        for subject in subjects {
            try database.run("INSERT INTO sign_in_failures (subject, at) VALUES (?1, ?2)", [.text(String(subject.prefix(300))), .text(now)])
        }
        try database.run("DELETE FROM sign_in_failures WHERE at < ?1", [.text(DateText.store(Date().addingTimeInterval(-Self.window)))])
    }

    func clear(_ subject: String) throws {
        try database.run("DELETE FROM sign_in_failures WHERE subject = ?1", [.text(subject)])
    }
}
