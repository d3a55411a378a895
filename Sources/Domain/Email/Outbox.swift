import Foundation
import Storage

/// What an email is about. The schema's CHECK on `outbox.kind` holds the same list; each kind has
/// its words in `Views/emails/`.
public enum EmailKind: String, CaseIterable, Sendable {
    case requestReceived = "request received"
    case requestApproved = "request approved"
    case requestDenied = "request denied"
    case driverRemoved = "driver removed"
    case emailConfirmation = "email confirmation"
    case statusLink = "status link"
    case invite
    case digest
    /// An Admin's invitation of a person to an organization (`UserInvitations`).
    case userInvitation = "user invitation"
    /// A shared view's scheduled report (`ViewReports`).
    case viewReport = "view report"
    /// A driver's membership ends soon: the renewal link (`MembershipRenewal`).
    case renewalReminder = "renewal reminder"
    /// A driver is asked to confirm their answers, or lose the membership (`MembershipReverification`).
    case reverification
}

/// Where an email stands. `sending`: taken by the sender; a crash leaves it so, and the next
/// sender sends it again, with the same Message-ID. `skipped`: nothing to say any more (a digest
/// whose requests were all decided, an invite whose connection is gone).
public enum OutboxState: String, CaseIterable, Sendable {
    case queued, sending, sent, failed, skipped
}

/// One email of the outbox, as the sender takes it.
public struct OutboxItem: Sendable {
    public let id: Int
    public let kind: EmailKind
    public let recipient: String
    public let organizationID: Int?
    public let userID: Int?
    public internal(set) var payload: [String: String]
    /// The request a driver's email is about.
    public let membershipID: Int?
    /// The unique part of the Message-ID, the same for every attempt.
    public let messageKey: String
    /// Attempts so far, this one included.
    public let attempts: Int
    public let createdAt: String
}

/// The email outbox. Events add rows inside their own transaction (`enqueue`); the one sender
/// that holds the lease (`OutboxLease`) takes due rows, sends them and records what happened.
public struct Outbox {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// Temporary failures (an SMTP 4xx, a server that does not answer) are tried again after
    /// 1, 2, 4 … minutes (at most an hour apart), 8 attempts in all (about 2 hours); then the
    /// email is failed and shown to Admins. Permanent failures (5xx) fail at once.
    public struct RetryPolicy: Sendable {
        public let maximumAttempts: Int
        public let firstDelay: TimeInterval

        public init(maximumAttempts: Int = 8, firstDelay: TimeInterval = 60) {
            self.maximumAttempts = maximumAttempts
            self.firstDelay = firstDelay
        }

        /// The wait after the `attempts`-th failed attempt.
        public func delay(afterAttempt attempts: Int) -> TimeInterval {
            Backoff(first: firstDelay, ceiling: 3600).delay(after: attempts)
        }
    }

    /// Adds an email. Call inside the transaction of the event that causes it, so that the email
    /// exists exactly when the event does.
    @discardableResult
    public func enqueue(_ kind: EmailKind, to recipient: String, organizationID: Int?, userID: Int? = nil, membershipID: Int? = nil,
                        payload: [String: String], due: Date = Date()) throws -> Int {
        let json = JSON.text(of: payload)
        let key = Secret.generate()
        let now = DateText.now()
        return try database.insertReturningID("""
            INSERT INTO outbox (kind, org_id, user_id, membership_id, recipient, payload, message_key, due_at, created_at)
            VALUES (\(p: 1), \(p: 2), \(p: 3), \(p: 4), \(p: 5), \(p: 6), \(p: 7), \(p: 8), \(p: 9))
            """, [.text(kind.rawValue), organizationID.map { .init($0) } ?? .null, userID.map { .init($0) } ?? .null,
                  membershipID.map { .init($0) } ?? .null, .text(recipient), .text(json), .text(key), .text(DateText.store(due)), .text(now)])
    }

    /// An email of a batch (`enqueue(_:_:)`).
    struct Message {
        let recipient: String
        let organizationID: Int?
        let membershipID: Int?
        let payload: [String: String]
    }

    /// Adds one email of `kind` each, due now, with one statement per few hundred: a batch's emails
    /// (an import's thousands), inside its transaction.
    func enqueue(_ kind: EmailKind, _ messages: [Message]) throws {
        let now = DateText.now()
        for slice in stride(from: 0, to: messages.count, by: 500) {
            try database.insertRows(into: "outbox", columns: ["kind", "org_id", "membership_id", "recipient", "payload", "message_key", "due_at", "created_at"],
                                    rows: messages[slice..<min(slice + 500, messages.count)].map {
                [.text(kind.rawValue), $0.organizationID.map { .init($0) } ?? .null, $0.membershipID.map { .init($0) } ?? .null,
                 .text($0.recipient), .text(JSON.text(of: $0.payload)), .text(Secret.generate()), .text(now), .text(now)]
            })
        }
    }

    // MARK: The sender's side (only the lease holder calls these)

    /// Takes up to `limit` due emails, oldest due first: marks them `sending` and counts the
    /// attempt, in one transaction that also renews the lease (false: the lease was lost, nothing taken).
    public func claim(limit: Int, lease: OutboxLease, now: Date = Date()) throws -> [OutboxItem] {
        try database.transaction(locking: [OutboxLease.key]) {
            guard try lease.renew(now: now) else { return [] }
            let items = try database.query("""
                SELECT id, kind, recipient, org_id, user_id, payload, message_key, attempts + 1, created_at, membership_id FROM outbox
                WHERE state = 'queued' AND due_at <= \(p: 1) ORDER BY due_at, id LIMIT \(p: 2)
                """, [.text(DateText.store(now)), .init(limit)]) { row in
                OutboxItem(id: row.int(0), kind: try row.decode(EmailKind.self, 1, table: "outbox", key: "id \(row.int(0))"),
                           recipient: row.text(2), organizationID: row.isNull(3) ? nil : row.int(3), userID: row.isNull(4) ? nil : row.int(4),
                           payload: Self.decode(row.text(5)), membershipID: row.isNull(9) ? nil : row.int(9), messageKey: row.text(6),
                           attempts: row.int(7), createdAt: row.text(8))
            }.map(withoutFormerSecrets)
            try database.run("""
                UPDATE outbox SET state = 'sending', attempts = attempts + 1
                WHERE id IN (\(ids: 1))
                """, [.idList(items.map(\.id))])
            return items
        }
    }

    /// Payloads queued before links were drawn at sending (`EmailLinks`) held the links' secrets
    /// under these keys (migration 10 dropped them from the emails sent before it).
    static let formerLinkSecrets: Set<String> = ["statusToken", "confirmToken", "invitationToken"]

    /// Inside the claim: such a payload loses its secrets (the sender draws new links) and keeps
    /// which invitation it was about, so no claimed email keeps a link in the database.
    private func withoutFormerSecrets(_ item: OutboxItem) throws -> OutboxItem {
        guard item.payload.keys.contains(where: Self.formerLinkSecrets.contains) else { return item }
        var scrubbed = item
        scrubbed.payload = item.payload.filter { !Self.formerLinkSecrets.contains($0.key) }
        if let token = item.payload["invitationToken"], let id = try database.query("SELECT id FROM user_invitations WHERE token_hash = \(p: 1)",
                                                                                   [.text(Secret.hash(token))], row: { $0.int(0) }).first {
            scrubbed.payload[EmailLinks.invitationKey] = String(id)
        }
        try database.run("UPDATE outbox SET payload = \(p: 2) WHERE id = \(p: 1)", [.init(item.id), .text(JSON.text(of: scrubbed.payload))])
        return scrubbed
    }

    static func decode(_ json: String) -> [String: String] {
        JSON.strings(json) ?? [:]
    }

    /// What became of one attempt.
    public enum Outcome: Sendable, Equatable {
        case sent
        /// Nothing to send any more.
        case skipped(String)
        /// Worth trying again later (an SMTP 4xx, no answer), up to the policy's limit.
        case temporaryFailure(String)
        /// Refused for good (an SMTP 5xx, an address no server accepts).
        case permanentFailure(String)
        /// Taken but not tried (the sender is stopping): back in the queue, the attempt not counted.
        case untried
    }

    /// Records an attempt's outcome and renews the lease, in one transaction.
    public func record(_ outcome: Outcome, for item: OutboxItem, lease: OutboxLease, policy: RetryPolicy, now: Date = Date()) throws {
        try database.transaction(locking: [OutboxLease.key]) {
            _ = try lease.renew(now: now)
            let id = SQLValue.init(item.id)
            switch outcome {
            case .sent:
                try database.run("UPDATE outbox SET state = 'sent', sent_at = \(p: 2), last_error = NULL WHERE id = \(p: 1)", [id, .text(DateText.store(now))])
            case .skipped(let reason):
                try database.run("UPDATE outbox SET state = 'skipped', last_error = \(p: 2) WHERE id = \(p: 1)", [id, .text(Self.errorText(reason))])
            case .temporaryFailure(let error) where item.attempts < policy.maximumAttempts:
                try database.run("UPDATE outbox SET state = 'queued', due_at = \(p: 2), last_error = \(p: 3) WHERE id = \(p: 1)",
                                 [id, .text(DateText.store(now.addingTimeInterval(policy.delay(afterAttempt: item.attempts)))),
                                  .text(Self.errorText(error))])
            case .temporaryFailure(let error), .permanentFailure(let error):
                try database.run("UPDATE outbox SET state = 'failed', last_error = \(p: 2) WHERE id = \(p: 1)", [id, .text(Self.errorText(error))])
            case .untried:
                try database.run("UPDATE outbox SET state = 'queued', attempts = \(.greatest("0", "attempts - 1")) WHERE id = \(p: 1) AND state = 'sending'", [id])
            }
        }
    }

    /// An error as stored: one line, within the column's limit.
    static func errorText(_ error: String) -> String {
        String(String(error.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) }).prefix(400))
    }

    /// How long sent and skipped emails stay (the Email page's history); queued and failed ones stay
    /// until they are sent or dealt with.
    public static let keptFor: TimeInterval = 30 * 24 * 60 * 60

    /// Deletes sent and skipped emails older than `keptFor`; returns how many went.
    @discardableResult
    public func prune(now: Date = Date()) throws -> Int {
        try database.transaction(locking: []) {
            let cutoff = SQLValue.text(DateText.store(now.addingTimeInterval(-Self.keptFor)))
            let count = try database.scalarInt("SELECT count(*) FROM outbox WHERE state IN ('sent', 'skipped') AND created_at < \(p: 1)", [cutoff])
            try database.run("DELETE FROM outbox WHERE state IN ('sent', 'skipped') AND created_at < \(p: 1)", [cutoff])
            return count
        }
    }

    /// Whether an email is due: read without a write lock, before claiming.
    public func hasDue(now: Date = Date()) throws -> Bool {
        try database.scalarInt("SELECT count(*) FROM (SELECT 1 FROM outbox WHERE state = 'queued' AND due_at <= \(p: 1) LIMIT 1) AS due",
                               [.text(DateText.store(now))]) > 0
    }

    /// When the next queued email is due, if any.
    public func nextDue() throws -> Date? {
        try database.query("SELECT min(due_at) FROM outbox WHERE state = 'queued'") { $0.optionalText(0) }.first?.flatMap(DateText.parse)
    }

    // MARK: What Admins see

    public struct Summary: Sendable, Equatable {
        public var waiting = 0
        public var sent = 0
        public var failed = 0
    }

    /// Emails of the given organizations, and digests to their members.
    static let scope: SQLFragment = """
        (o.org_id IN (\(ids: 1))
         OR o.user_id IN (SELECT user_id FROM user_roles WHERE org_id IN (\(ids: 1))))
        """

    public func summary(organizations: [Int]) throws -> Summary {
        var summary = Summary()
        _ = try database.query("SELECT o.state, count(*) FROM outbox o WHERE \(Self.scope) GROUP BY o.state", [.idList(organizations)]) { row in
            switch try row.decode(OutboxState.self, 0, table: "outbox", key: "state") {
            case .queued, .sending: summary.waiting += row.int(1)
            case .sent: summary.sent += row.int(1)
            case .failed: summary.failed += row.int(1)
            case .skipped: break
            }
        }
        return summary
    }

    public struct Failure: Sendable {
        public let createdAt: String
        public let kind: EmailKind
        public let recipient: String
        public let attempts: Int
        public let error: String
    }

    /// The latest failed emails of the given organizations.
    public func failures(organizations: [Int], limit: Int = 100) throws -> [Failure] {
        try database.query("""
            SELECT o.created_at, o.kind, o.recipient, o.attempts, coalesce(o.last_error, ''), o.id FROM outbox o
            WHERE o.state = 'failed' AND \(Self.scope) ORDER BY o.id DESC LIMIT \(p: 2)
            """, [.idList(organizations), .init(limit)]) {
            Failure(createdAt: $0.text(0), kind: try $0.decode(EmailKind.self, 1, table: "outbox", key: "id \($0.int(5))"),
                    recipient: $0.text(2), attempts: $0.int(3), error: $0.text(4))
        }
    }

    /// Queues the failed emails of the organizations the user administers again, audited per organization.
    public func retryFailed(by access: Access) throws -> Int {
        let organizations = access.organizations(allowing: .manageUsers)
        guard !organizations.isEmpty else { throw UserError.forbidden("Only Admins can send failed emails again.") }
        return try database.transaction(locking: []) {
            let failed = try database.query("SELECT o.id, o.org_id FROM outbox o WHERE o.state = 'failed' AND \(Self.scope)",
                                            [.idList(organizations)]) { (id: $0.int(0), org: $0.isNull(1) ? nil : Optional($0.int(1))) }
            try database.run("UPDATE outbox SET state = 'queued', attempts = 0, due_at = \(p: 2) WHERE id IN (\(ids: 1))",
                             [.idList(failed.map(\.id)), .text(DateText.now())])
            // A digest belongs to no organization: it is counted under the Admin's first.
            let byOrganization = Dictionary(grouping: failed) { $0.org.flatMap { organizations.contains($0) ? $0 : nil } ?? organizations[0] }
            for (organization, emails) in byOrganization.sorted(by: { $0.key < $1.key }) {
                try AuditLog(database: database).record(actorID: access.userID, actor: access.email, organizationID: organization,
                                                       action: "Failed emails queued again", details: ["emails": String(emails.count)])
            }
            return failed.count
        }
    }
}
