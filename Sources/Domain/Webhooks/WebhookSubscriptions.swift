import Foundation
import Storage

/// A subscription as its list and page show it (never its secret).
public struct WebhookSubscription: Sendable, Equatable {
    public let id: Int
    public let organizationID: Int
    public let url: String
    public let description: String
    public let events: [WebhookEventType]
    public let enabled: Bool
    public let failingSince: String?
    public let previousSecretUntil: String?
    public let createdAt: String
}

/// A delivery as the log shows it.
public struct WebhookDeliveryRow: Sendable, Equatable {
    public let id: Int
    public let messageID: String
    public let eventType: String
    public let state: WebhookDeliveryState
    public let attempts: Int
    public let createdAt: String
    public let finishedAt: String?
    public let responseCode: Int?
    public let latencyMilliseconds: Int?
    public let responseBody: String?
    public let lastError: String?
    public let body: String
}

/// An organization's webhook subscriptions: reads, and the sealing of their secrets (they must sign,
/// so they are kept sealed with the installation key rather than hashed; shown once, when drawn).
public struct WebhookSubscriptions {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// The most subscriptions an organization keeps.
    public static let mostPerOrganization = 20

    static func context(org: Int) -> String { "webhook secret of organization \(org)" }

    static func seal(_ secret: String, org: Int, key: InstallationKey) -> String {
        Base64URL.encode(key.seal(Array(secret.utf8), context: context(org: org)))
    }

    static func open(_ sealed: String, org: Int, key: InstallationKey) throws -> String {
        guard let bytes = Base64URL.decode(sealed), let plain = try? key.open(bytes, context: context(org: org)) else {
            throw UserError.unavailable("A webhook secret cannot be opened with this installation key: rotate the secret.")
        }
        return String(decoding: plain, as: UTF8.self)
    }

    /// The subscriptions of `organizations`, oldest first.
    public func list(organizations: [Int]) throws -> [WebhookSubscription] {
        let rows = try database.query("""
            SELECT id, org_id, url, description, state, failing_since, previous_until, created_at FROM webhook_subscriptions
            WHERE org_id IN (\(ids: 1)) ORDER BY id
            """, [.idList(organizations)]) { row in
            (id: row.int(0), org: row.int(1), url: row.text(2), description: row.text(3), enabled: row.text(4) == "enabled",
             failing: row.optionalText(5), previous: row.optionalText(6), created: row.text(7))
        }
        let now = DateText.now()
        return try rows.map { row in
            let events = try database.query("SELECT event_type FROM webhook_subscription_events WHERE subscription_id = \(p: 1)",
                                            [.init(row.id)]) { $0.text(0) }
            return WebhookSubscription(id: row.id, organizationID: row.org, url: row.url, description: row.description,
                                       events: WebhookEventType.subscribable.filter { events.contains($0.rawValue) }, enabled: row.enabled,
                                       failingSince: row.failing, previousSecretUntil: row.previous.flatMap { $0 > now ? $0 : nil },
                                       createdAt: row.created)
        }
    }

    /// One subscription the caller may manage.
    public func find(_ id: Int, by access: Access) throws -> WebhookSubscription {
        guard let found = try list(organizations: access.organizationIDs).first(where: { $0.id == id }) else {
            throw UserError.notFound("There is no such webhook.")
        }
        try access.require(.manageWebhooks, in: found.organizationID)
        return found
    }

    /// A subscription's newest deliveries first (before `before`, when paging).
    public func deliveries(of subscription: Int, before: Int? = nil, limit: Int = 50) throws -> [WebhookDeliveryRow] {
        try database.query("""
            SELECT id, message_id, event_type, state, attempts, created_at, finished_at, response_code, latency_ms, response_body, last_error, body
            FROM webhook_deliveries WHERE subscription_id = \(p: 1) AND id < \(p: 2) ORDER BY id DESC LIMIT \(p: 3)
            """, [.init(subscription), .init(before ?? Int.max), .init(min(max(limit, 1), 500))]) { row in
            WebhookDeliveryRow(id: row.int(0), messageID: row.text(1), eventType: row.text(2),
                               state: try row.decode(WebhookDeliveryState.self, 3, table: "webhook_deliveries", key: "id \(row.int(0))"),
                               attempts: row.int(4), createdAt: row.text(5), finishedAt: row.optionalText(6),
                               responseCode: row.isNull(7) ? nil : row.int(7), latencyMilliseconds: row.isNull(8) ? nil : row.int(8),
                               responseBody: row.optionalText(9), lastError: row.optionalText(10), body: row.text(11))
        }
    }

    /// Why a URL cannot be a webhook's (nil: it can). Plain http only where the operator allows
    /// private addresses (tests on loopback); the address itself is checked at send time.
    public static func urlProblem(_ url: String, allowPrivate: Bool) -> String? {
        let lowered = url.lowercased()
        guard StoredText.isLine(url, upTo: 2000), url.count >= 10, let parsed = URL(string: url), let host = parsed.host, !host.isEmpty,
              lowered.hasPrefix("https://") || lowered.hasPrefix("http://") else {
            return "Enter the receiver's address, like https://example.com/webhooks."
        }
        if lowered.hasPrefix("http://") && !allowPrivate { return "Use an https:// address: webhooks are not sent over plain http." }
        if parsed.user != nil || parsed.password != nil { return "Leave credentials out of the address: verify the signature instead." }
        return nil
    }
}
