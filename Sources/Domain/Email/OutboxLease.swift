import Foundation
import Storage

/// Exactly one process delivers the outbox, however many serve the app: the one holding the lease,
/// a single row taken and renewed inside write transactions (BEGIN IMMEDIATE), so two processes
/// never both find it free. A holder that stops renewing (killed, hung) loses it when it expires,
/// and the next holder sends again what the old one had taken but not marked, with the same Message-ID.
/// The webhook sender holds a lease of its own, the same way (`Queue.webhooks`).
public struct OutboxLease {
    /// What a lease is for: its table, and the rows a new holder puts back in the queue.
    public enum Queue: Sendable {
        case email, webhooks

        var table: String { self == .email ? "outbox_lease" : "webhook_lease" }
        var requeue: SQLFragment {
            self == .email ? "UPDATE outbox SET state = 'queued' WHERE state = 'sending'"
                : "UPDATE webhook_deliveries SET state = 'queued' WHERE state = 'sending'"
        }
    }

    let database: Database
    public let queue: Queue
    /// This process's name for itself: unique per process start.
    public let holder: String
    /// Longer than one email can take to send (the SMTP timeouts), so a live holder never loses it mid-send.
    public let duration: TimeInterval

    /// Taken by every transaction that reads the lease before writing it or the outbox's claims.
    static let key = LockKey.named("outbox lease")
    var key: LockKey { queue == .email ? Self.key : .named("webhook lease") }

    public init(database: Database, holder: String, duration: TimeInterval, queue: Queue = .email) {
        self.database = database
        self.queue = queue
        self.holder = holder
        self.duration = duration
    }

    /// Takes or keeps the lease; true while this process holds it. Costs no write while another
    /// process holds it, nor while this one holds it for more than half its duration still.
    public func hold(now: Date = Date()) throws -> Bool {
        if let current = try current() {
            if current.holder != holder && current.expires > now { return false }
            if current.holder == holder && current.expires > now.addingTimeInterval(duration / 2) { return true }
        }
        return try database.transaction(locking: [key]) { try renew(now: now) }
    }

    /// Inside a write transaction: takes the lease if it is free, expired or ours, and extends it.
    /// Taking it over from another holder puts what that holder had taken back in the queue.
    func renew(now: Date) throws -> Bool {
        let current = try self.current()
        if let current, current.holder != holder, current.expires > now { return false }
        try database.run("""
            INSERT INTO \(raw: queue.table) (id, holder, expires_at) VALUES (1, \(p: 1), \(p: 2))
            ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
            """, [.text(holder), .text(DateText.store(now.addingTimeInterval(duration)))])
        if current?.holder != holder {
            try database.run(queue.requeue)
        }
        return true
    }

    func current() throws -> (holder: String, expires: Date)? {
        try database.query("SELECT holder, expires_at FROM \(raw: queue.table) WHERE id = 1") { row in
            (holder: row.text(0), expires: DateText.parse(row.text(1)) ?? .distantPast)
        }.first
    }

    /// Gives the lease up (when the process stops), so another process takes over at once.
    public func release() throws {
        try database.transaction(locking: [key]) {
            try database.run("DELETE FROM \(raw: queue.table) WHERE id = 1 AND holder = \(p: 1)", [.text(holder)])
        }
    }
}
