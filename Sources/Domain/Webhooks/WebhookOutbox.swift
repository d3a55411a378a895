import Foundation
import Storage

/// Where a delivery stands: `sending` while the sender holds it (a crash leaves it so, and the
/// next holder of the lease sends it again with the same id), `failed` after its last attempt.
public enum WebhookDeliveryState: String, CaseIterable, Sendable {
    case queued, sending, delivered, failed
}

/// One delivery as the sender takes it.
public struct WebhookMessage: Sendable {
    public let id: Int
    public let subscriptionID: Int
    /// The connection the event is about (0: none): deliveries of one subscription and connection go in order.
    public let connectionKey: Int
    public let messageID: String
    public let url: String
    public let body: String
    public let attempts: Int
    public let createdAt: String
    public let secrets: [String]
}

/// The webhook deliveries: written by `DomainEvents.record` in the event's own transaction (so a
/// change that rolled back sends nothing), one per subscription that wants the event; taken by the
/// one sender that holds the webhook lease, in order per subscription and connection.
public struct WebhookOutbox {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// When a failed attempt is tried again: the Standard Webhooks schedule (5 s, 5 min, 30 min,
    /// 2 h, 5 h, 10 h, 10 h: about a day and a quarter, 8 attempts), scaled for tests.
    public struct RetryPolicy: Sendable {
        public static let schedule: [TimeInterval] = [5, 300, 1800, 7200, 18_000, 36_000, 36_000]
        public let scale: Double

        public init(scale: Double = 1) {
            self.scale = scale
        }

        public var maximumAttempts: Int { Self.schedule.count + 1 }

        /// The wait after the `attempts`-th failed attempt, nil when it was the last.
        public func delay(afterAttempt attempts: Int) -> TimeInterval? {
            guard attempts >= 1, attempts <= Self.schedule.count else { return nil }
            return Self.schedule[attempts - 1] * scale
        }
    }

    /// A subscription failing this long (every delivery in between failed) is paused.
    public static let pauseAfterFailing: TimeInterval = 3 * 86_400

    /// Inside the event's transaction: a delivery per enabled subscription of its organization that
    /// wants its type, the body made now (what a receiver needs, as it was at the change).
    func enqueue(_ recorded: RecordedEvent) throws {
        guard let type = WebhookEventType(recorded.event) else { return }
        let subscriptions = try self.subscriptions(to: type, of: recorded.event.organizationID)
        guard !subscriptions.isEmpty else { return }
        let body = try WebhookPayload(database: database).body(type, of: recorded)
        for subscription in subscriptions {
            try insert(subscription: subscription, eventID: recorded.id, messageID: "msg_\(recorded.id)_\(subscription)", type: type,
                       connection: recorded.event.connectionID ?? 0, body: body)
        }
    }

    /// Whether any enabled subscription wants this event (a batch writes the others without their ids).
    func isWanted(_ event: DomainEvent) throws -> Bool {
        guard let type = WebhookEventType(event) else { return false }
        return try !subscriptions(to: type, of: event.organizationID).isEmpty
    }

    private func subscriptions(to type: WebhookEventType, of organization: Int) throws -> [Int] {
        try database.query("""
            SELECT s.id FROM webhook_subscriptions s JOIN webhook_subscription_events e ON e.subscription_id = s.id
            WHERE s.org_id = \(p: 1) AND s.state = 'enabled' AND e.event_type = \(p: 2) ORDER BY s.id
            """, [.init(organization), .text(type.rawValue)]) { $0.int(0) }
    }

    @discardableResult
    func insert(subscription: Int, eventID: Int, messageID: String, type: WebhookEventType, connection: Int, body: String) throws -> Int {
        let now = DateText.now()
        return try database.insertReturningID("""
            INSERT INTO webhook_deliveries (subscription_id, event_id, message_id, event_type, connection_key, body, due_at, created_at)
            VALUES (\(p: 1), \(p: 2), \(p: 3), \(p: 4), \(p: 5), \(p: 6), \(p: 7), \(p: 7))
            """, [.init(subscription), .init(eventID), .text(messageID), .text(type.rawValue), .init(connection), .text(body), .text(now)])
    }

    /// Whether anything is due (a cheap read before taking the lease's lock).
    public func nextDue() throws -> Date? {
        try database.query("SELECT MIN(due_at) FROM webhook_deliveries WHERE state = 'queued'") { $0.optionalText(0) }.first?
            .flatMap(DateText.parse)
    }

    /// Takes up to `limit` due deliveries of enabled subscriptions, oldest first, leaving out those
    /// behind an earlier one of their subscription and connection that waits for a retry: the sender
    /// sends them in this order and puts back the rest of a subscription and connection whose
    /// delivery failed (`putBack`), so a later event never overtakes an earlier one.
    public func claim(limit: Int, lease: OutboxLease, key: InstallationKey, now: Date = Date()) throws -> [WebhookMessage] {
        try database.transaction(locking: [lease.key]) {
            guard try lease.renew(now: now) else { return [] }
            let rows = try database.query("""
                SELECT d.id, d.subscription_id, d.message_id, s.url, d.body, d.attempts, d.created_at, s.org_id, s.secret_sealed,
                       s.previous_secret_sealed, s.previous_until, d.connection_key
                FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id
                WHERE d.state = 'queued' AND d.due_at <= \(p: 1) AND s.state = 'enabled' AND NOT EXISTS (
                    SELECT 1 FROM webhook_deliveries e WHERE e.subscription_id = d.subscription_id AND e.connection_key = d.connection_key
                    AND e.state = 'queued' AND e.due_at > \(p: 1) AND e.id < d.id)
                ORDER BY d.id LIMIT \(p: 2)
                """, [.text(DateText.store(now)), .init(limit)]) { row in
                (id: row.int(0), subscription: row.int(1), messageID: row.text(2), url: row.text(3), body: row.text(4), attempts: row.int(5),
                 createdAt: row.text(6), org: row.int(7), sealed: row.text(8), previous: row.optionalText(9), previousUntil: row.optionalText(10),
                 connection: row.int(11))
            }
            var messages: [WebhookMessage] = []
            for row in rows {
                try database.run("UPDATE webhook_deliveries SET state = 'sending', attempts = attempts + 1 WHERE id = \(p: 1)", [.init(row.id)])
                var secrets = [try WebhookSubscriptions.open(row.sealed, org: row.org, key: key)]
                if let previous = row.previous, let until = row.previousUntil, until > DateText.store(now) {
                    secrets.append(try WebhookSubscriptions.open(previous, org: row.org, key: key))
                }
                messages.append(WebhookMessage(id: row.id, subscriptionID: row.subscription, connectionKey: row.connection, messageID: row.messageID, url: row.url,
                                               body: row.body, attempts: row.attempts + 1, createdAt: row.createdAt, secrets: secrets))
            }
            return messages
        }
    }

    /// Records one attempt: delivered; or tried again after the schedule's wait (or the receiver's
    /// `Retry-After`, if longer) when retryable; else failed. A subscription whose deliveries have
    /// all failed for `pauseAfterFailing` is paused, and said in the audit log.
    public func record(_ result: WebhookAttempt, for message: WebhookMessage, lease: OutboxLease, policy: RetryPolicy,
                       now: Date = Date()) throws {
        try database.transaction(locking: [lease.key]) {
            guard try lease.renew(now: now) else { return }
            let stamp = DateText.store(now)
            let answer: [SQLValue] = [result.code.map { .init($0) } ?? .null, .init(result.latencyMilliseconds),
                                      result.body.map { .text(Self.bounded($0, 1024)) } ?? .null, result.error.map { .text(Self.bounded($0, 500)) } ?? .null]
            if result.delivered {
                try database.run("""
                    UPDATE webhook_deliveries SET state = 'delivered', finished_at = \(p: 2), response_code = \(p: 3), latency_ms = \(p: 4),
                    response_body = \(p: 5), last_error = \(p: 6) WHERE id = \(p: 1)
                    """, [.init(message.id), .text(stamp)] + answer)
                try database.run("UPDATE webhook_subscriptions SET failing_since = NULL WHERE id = \(p: 1)", [.init(message.subscriptionID)])
                return
            }
            let wait = result.retryable ? policy.delay(afterAttempt: message.attempts).map { max($0, result.retryAfter ?? 0) } : nil
            if let wait {
                try database.run("""
                    UPDATE webhook_deliveries SET state = 'queued', due_at = \(p: 2), response_code = \(p: 3), latency_ms = \(p: 4),
                    response_body = \(p: 5), last_error = \(p: 6) WHERE id = \(p: 1)
                    """, [.init(message.id), .text(DateText.store(now.addingTimeInterval(wait)))] + answer)
            } else {
                try database.run("""
                    UPDATE webhook_deliveries SET state = 'failed', finished_at = \(p: 2), response_code = \(p: 3), latency_ms = \(p: 4),
                    response_body = \(p: 5), last_error = \(p: 6) WHERE id = \(p: 1)
                    """, [.init(message.id), .text(stamp)] + answer)
            }
            try database.run("UPDATE webhook_subscriptions SET failing_since = \(p: 2) WHERE id = \(p: 1) AND failing_since IS NULL",
                             [.init(message.subscriptionID), .text(stamp)])
            let since = DateText.store(now.addingTimeInterval(-Self.pauseAfterFailing))
            let paused = try database.change("""
                UPDATE webhook_subscriptions SET state = 'paused' WHERE id = \(p: 1) AND state = 'enabled' AND failing_since <= \(p: 2)
                RETURNING org_id, url
                """, [.init(message.subscriptionID), .text(since)]) { (org: $0.int(0), url: $0.text(1)) }
            if let paused = paused.first {
                // The one place the Admins' email about it plugs in (a new EmailKind): until then, the audit log says it.
                try AuditLog(database: database).record(actorID: nil, actor: "webhook sender", organizationID: paused.org,
                                                       action: "Paused webhook", subject: paused.url,
                                                       details: ["reason": "every delivery failed for three days"])
            }
        }
    }

    /// A taken delivery not attempted (one before it of its subscription and connection failed, or
    /// the sender stops): back in the queue as it was.
    public func putBack(_ message: WebhookMessage, lease: OutboxLease) throws {
        try database.transaction(locking: [lease.key]) {
            try database.run("UPDATE webhook_deliveries SET state = 'queued', attempts = attempts - 1 WHERE id = \(p: 1) AND state = 'sending'",
                             [.init(message.id)])
        }
    }

    static func bounded(_ text: String, _ most: Int) -> String {
        var kept = ""
        for character in text {
            guard kept.utf8.count + String(character).utf8.count <= most, kept.count < most else { break }
            kept.append(character)
        }
        return kept
    }
}

/// What one attempt to deliver came to.
public struct WebhookAttempt: Sendable, Equatable {
    public var delivered: Bool
    /// 5xx, 429 and network errors are tried again; other answers fail the delivery.
    public var retryable: Bool
    public var code: Int?
    public var body: String?
    public var error: String?
    public var latencyMilliseconds: Int
    /// The receiver's `Retry-After`, in seconds.
    public var retryAfter: TimeInterval?

    public init(delivered: Bool, retryable: Bool, code: Int? = nil, body: String? = nil, error: String? = nil, latencyMilliseconds: Int = 0,
                retryAfter: TimeInterval? = nil) {
        self.delivered = delivered
        self.retryable = retryable
        self.code = code
        self.body = body
        self.error = error
        self.latencyMilliseconds = latencyMilliseconds
        self.retryAfter = retryAfter
    }

    /// An HTTP answer's outcome.
    public static func answered(_ code: Int, body: String, latencyMilliseconds: Int, retryAfter: TimeInterval?) -> WebhookAttempt {
        WebhookAttempt(delivered: (200..<300).contains(code), retryable: code == 429 || code >= 500, code: code, body: body,
                       latencyMilliseconds: latencyMilliseconds, retryAfter: retryAfter)
    }
}
