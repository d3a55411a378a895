import Foundation
import Storage

/// An Admin subscribes an URL to some of the organization's events; the outcome is the new
/// subscription's id and its secret, shown this once.
public struct CreateWebhook: Command {
    public let organizationID: Int
    public let url: String
    public let events: [WebhookEventType]
    public let description: String
    public let key: InstallationKey
    public let allowPrivate: Bool

    public init(organizationID: Int, url: String, events: [WebhookEventType], description: String = "", key: InstallationKey, allowPrivate: Bool) {
        self.organizationID = organizationID
        self.url = url.trimmingCharacters(in: .whitespaces)
        self.events = WebhookEventType.subscribable.filter(events.contains)
        self.description = description.trimmingCharacters(in: .whitespaces)
        self.key = key
        self.allowPrivate = allowPrivate
    }

    public func run(by access: Access, in database: Database) throws -> (id: Int, secret: String) {
        try access.require(.manageWebhooks, in: organizationID)
        var problems: [String: String] = [:]
        if let problem = WebhookSubscriptions.urlProblem(url, allowPrivate: allowPrivate) { problems["url"] = problem }
        if events.isEmpty { problems["events"] = "Choose at least one event." }
        if !description.isEmpty && !StoredText.isLine(description, upTo: 200) { problems["description"] = "Keep the description to one line of at most 200 characters." }
        guard problems.isEmpty else { throw FieldProblems(problems) }
        return try database.transaction(locking: [.organization(organizationID)]) {
            let count = try database.scalarInt("SELECT COUNT(*) FROM webhook_subscriptions WHERE org_id = \(p: 1)", [.init(organizationID)])
            guard count < WebhookSubscriptions.mostPerOrganization else {
                throw UserError.conflict("An organization keeps at most \(WebhookSubscriptions.mostPerOrganization) webhooks: delete one first.")
            }
            let secret = WebhookSignature.newSecret()
            let id = try database.insertReturningID("""
                INSERT INTO webhook_subscriptions (org_id, url, description, secret_sealed, created_at) VALUES (\(p: 1), \(p: 2), \(p: 3), \(p: 4), \(p: 5))
                """, [.init(organizationID), .text(url), .text(description), .text(WebhookSubscriptions.seal(secret, org: organizationID, key: key)),
                      .text(DateText.now())])
            for event in events {
                try database.run("INSERT INTO webhook_subscription_events (subscription_id, event_type) VALUES (\(p: 1), \(p: 2))",
                                 [.init(id), .text(event.rawValue)])
            }
            try AuditLog(database: database).record(by: access, organizationID: organizationID, action: "Added webhook", subject: url,
                                                   details: ["events": events.map(\.rawValue).joined(separator: " ")])
            return (id, secret)
        }
    }
}

/// What an Admin does to an existing subscription.
public struct ChangeWebhook: Command {
    public enum Change: Sendable {
        /// Paused: no deliveries are made for its events meanwhile, and queued ones wait.
        case enable, pause
        /// A new secret, the old one signing beside it for 24 hours; the outcome is the new one.
        case rotateSecret(InstallationKey)
        case delete
        /// A `webhook.test` delivery, sent like any other.
        case sendTest
        /// One delivery sent again (its attempts start over), or every failed one since a time.
        case resend(delivery: Int)
        case resendFailed(since: String)
    }

    public static let previousSecretKept: TimeInterval = 86_400

    public let subscriptionID: Int
    public let change: Change

    public init(_ subscriptionID: Int, _ change: Change) {
        self.subscriptionID = subscriptionID
        self.change = change
    }

    /// The new secret (rotation), or how many deliveries were queued (test, resend).
    public enum Outcome: Sendable, Equatable {
        case done
        case secret(String)
        case queued(Int)
    }

    public func run(by access: Access, in database: Database) throws -> Outcome {
        let subscription = try WebhookSubscriptions(database: database).find(subscriptionID, by: access)
        let org = subscription.organizationID
        return try database.transaction(locking: [.organization(org)]) {
            let audit = AuditLog(database: database)
            let id = SQLValue.init(subscriptionID)
            switch change {
            case .enable, .pause:
                let state = change.isEnable ? "enabled" : "paused"
                try database.run("UPDATE webhook_subscriptions SET state = \(p: 2), failing_since = NULL WHERE id = \(p: 1)", [id, .text(state)])
                try audit.record(by: access, organizationID: org, action: change.isEnable ? "Enabled webhook" : "Paused webhook", subject: subscription.url)
                return .done
            case .rotateSecret(let key):
                let secret = WebhookSignature.newSecret()
                try database.run("""
                    UPDATE webhook_subscriptions SET previous_secret_sealed = secret_sealed, previous_until = \(p: 2), secret_sealed = \(p: 3) WHERE id = \(p: 1)
                    """, [id, .text(DateText.store(Date().addingTimeInterval(Self.previousSecretKept))),
                          .text(WebhookSubscriptions.seal(secret, org: org, key: key))])
                try audit.record(by: access, organizationID: org, action: "Rotated webhook secret", subject: subscription.url)
                return .secret(secret)
            case .delete:
                try database.run("DELETE FROM webhook_subscriptions WHERE id = \(p: 1)", [id])
                try audit.record(by: access, organizationID: org, action: "Deleted webhook", subject: subscription.url)
                return .done
            case .sendTest:
                let body = WebhookPayload.envelope(.test, timestamp: DateText.now(), data: [
                    ("organization_id", .int(org)), ("subscription_id", .int(subscriptionID)), ("message", .string("A test event from Connections.")),
                ])
                let delivery = try WebhookOutbox(database: database).insert(subscription: subscriptionID, eventID: 0, messageID: "msg_test_" + Secret.generate(),
                                                                            type: .test, connection: 0, body: body)
                return .queued(delivery > 0 ? 1 : 0)
            case .resend(let delivery):
                let changed = try database.change("""
                    UPDATE webhook_deliveries SET state = 'queued', attempts = 0, due_at = \(p: 3), finished_at = NULL
                    WHERE id = \(p: 2) AND subscription_id = \(p: 1) AND state IN ('delivered', 'failed') RETURNING id
                    """, [id, .init(delivery), .text(DateText.now())]) { $0.int(0) }.count
                guard changed == 1 else { throw UserError.conflict("That delivery is not finished yet, or not this webhook's.") }
                try audit.record(by: access, organizationID: org, action: "Resent webhook delivery", subject: subscription.url, details: ["delivery": String(delivery)])
                return .queued(1)
            case .resendFailed(let since):
                let changed = try database.change("""
                    UPDATE webhook_deliveries SET state = 'queued', attempts = 0, due_at = \(p: 3), finished_at = NULL
                    WHERE subscription_id = \(p: 1) AND state = 'failed' AND created_at >= \(p: 2) RETURNING id
                    """, [id, .text(since), .text(DateText.now())]) { $0.int(0) }.count
                try audit.record(by: access, organizationID: org, action: "Resent failed webhook deliveries", subject: subscription.url,
                                 details: ["since": since, "count": String(changed)])
                return .queued(changed)
            }
        }
    }
}

extension ChangeWebhook.Change {
    var isEnable: Bool { if case .enable = self { return true } else { return false } }
}
