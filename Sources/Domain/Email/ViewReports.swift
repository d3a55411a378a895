import Foundation
import Storage

/// How often a view's report goes out.
public enum ReportFrequency: String, CaseIterable, Sendable {
    case daily, weekly, monthly
}

/// A shared view's report schedule: sent at `hour` of its organization's local day (weekly on
/// Mondays, monthly on the 1st) to chosen members, each email an outbox row queued for its time.
public struct ReportSchedule: Sendable, Equatable {
    public let viewID: Int
    public let frequency: ReportFrequency
    public let hour: Int
    public let skipUnchanged: Bool
    /// When a report was last skipped because nothing changed (said on the view's schedule line).
    public let lastSkippedAt: String?
    public let recipients: [Int]
}

/// Reports of shared views by email. The sender composes each when it is due: the view's rows as
/// they are then, compared with the ids of the recipient's previous report (kept, bounded, in
/// `view_report_recipients`), and the next report queued in the same transaction.
public struct ViewReports {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// How many row ids a report keeps to compare with the next: past this, changes are not listed.
    public static let keptIDs = 10_000
    /// How many entered and left rows an email names (the counts are whole).
    public static let listed = 20

    /// The first moment after `now` that is `hour`:00 in `zone` on a day the frequency sends (any
    /// day, Monday, the 1st of the month).
    public static func nextDue(after now: Date, frequency: ReportFrequency, hour: Int, zone: TimeZone) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        var components = DateComponents(hour: hour, minute: 0, second: 0)
        switch frequency {
        case .daily: break
        case .weekly: components.weekday = 2
        case .monthly: components.day = 1
        }
        return calendar.nextDate(after: now, matching: components, matchingPolicy: .nextTime) ?? now.addingTimeInterval(86_400)
    }

    /// The rows that entered and left a view since the previous report's ids (nil: no previous report, nothing compared).
    public static func changes(previous: [Int]?, current: [Int]) -> (entered: [Int], left: [Int]) {
        guard let previous else { return ([], []) }
        let before = Set(previous), now = Set(current)
        return (current.filter { !before.contains($0) }, previous.filter { !now.contains($0) })
    }

    /// Ids as stored: sorted, comma-separated; nil past `keptIDs` (too many to compare).
    static func stored(_ ids: [Int]) -> String? {
        ids.count > keptIDs ? nil : ids.sorted().map(String.init).joined(separator: ",")
    }

    static func parse(_ text: String?) -> [Int]? {
        text.map { $0.split(separator: ",").compactMap { Int($0) } }
    }

    public func schedule(of viewID: Int) throws -> ReportSchedule? {
        let recipients = try database.query("SELECT user_id FROM view_report_recipients WHERE view_id = \(p: 1) ORDER BY user_id", [.init(viewID)]) { $0.int(0) }
        return try database.query("SELECT frequency, hour, skip_unchanged, last_skipped_at FROM view_reports WHERE view_id = \(p: 1)", [.init(viewID)]) {
            ReportSchedule(viewID: viewID, frequency: try $0.decode(ReportFrequency.self, 0, table: "view_reports", key: "view_id \(viewID)"),
                           hour: $0.int(1), skipUnchanged: $0.int(2) == 1, lastSkippedAt: $0.optionalText(3), recipients: recipients)
        }.first
    }

    /// Inside a write transaction: drops the view's queued reports and queues one per recipient at its next time.
    func requeue(viewID: Int, organizationID: Int, now: Date) throws {
        let queued = try database.query("SELECT id, payload FROM outbox WHERE kind = 'view report' AND state = 'queued' AND org_id = \(p: 1)",
                                        [.init(organizationID)]) { (id: $0.int(0), payload: Outbox.decode($0.text(1))) }
        try database.run("DELETE FROM outbox WHERE id IN (\(ids: 1))", [.idList(queued.filter { $0.payload["view"] == String(viewID) }.map(\.id))])
        guard let schedule = try schedule(of: viewID) else { return }
        let zone = try OrganizationTimeZone(database: database).zone(for: [organizationID])
        let due = Self.nextDue(after: now, frequency: schedule.frequency, hour: schedule.hour, zone: zone)
        let recipients = try database.query("""
            SELECT u.id, u.email FROM view_report_recipients r JOIN users u ON u.id = r.user_id WHERE r.view_id = \(p: 1) ORDER BY u.id
            """, [.init(viewID)]) { (id: $0.int(0), email: $0.text(1)) }
        for recipient in recipients {
            try Outbox(database: database).enqueue(.viewReport, to: recipient.email, organizationID: organizationID, userID: recipient.id,
                                                   payload: ["view": String(viewID)], due: due)
        }
    }

    /// What a report says when it is sent.
    public struct Content: Sendable {
        public let view: SavedView
        public let count: Int
        public let entered: [Int]
        public let left: [Int]
        /// False on the first report, and when the previous one had too many rows to compare.
        public let compared: Bool
        public let unsubscribeToken: String
    }

    public enum Outcome: Sendable {
        case send(Content)
        case skip(String)
    }

    /// Composes the report of outbox row `item` at `now`: `rows` reads the view's rows (Web parses
    /// the view's address) for the organization. Records the ids, queues the next report, draws the
    /// unsubscribe link; skipped when the schedule or the recipient is gone, or nothing changed and the owner asked so.
    /// `messageKey`: the outbox row's, so that the same email sent again compares as its first attempt did.
    public func compose(viewID: Int, userID: Int, messageKey: String, now: Date = Date(), rows: (SavedView) throws -> [Int]) throws -> Outcome {
        guard let view = try database.query("SELECT \(SavedViews.columns) FROM saved_views v WHERE v.id = \(p: 1)", [.init(viewID)], row: SavedViews.view).first,
              let organizationID = view.organizationID, let schedule = try schedule(of: viewID), schedule.recipients.contains(userID),
              try database.scalarInt("SELECT count(*) FROM user_roles WHERE user_id = \(p: 1) AND org_id = \(p: 2)", [.init(userID), .init(organizationID)]) > 0
        else { return .skip("the report, its view or the recipient's membership is gone") }
        let ids = try rows(view)
        return try database.transaction(locking: [.organization(organizationID)]) {
            let stored = try database.query("""
                SELECT last_row_ids, last_sent_at, last_message_key, prior_row_ids FROM view_report_recipients WHERE view_id = \(p: 1) AND user_id = \(p: 2)
                """, [.init(viewID), .init(userID)]) { (ids: $0.optionalText(0), sent: $0.optionalText(1), key: $0.optionalText(2), prior: $0.optionalText(3)) }.first
            // A resend of the email compares with the ids its first attempt compared with.
            let resend = stored?.key == messageKey
            let previousText = resend ? stored?.prior : stored?.ids
            let compared = previousText != nil && (resend || stored?.sent != nil)
            let change = Self.changes(previous: compared ? Self.parse(previousText) : nil, current: ids)
            try queueNext(viewID: viewID, userID: userID, organizationID: organizationID, schedule: schedule, now: now)
            if compared && schedule.skipUnchanged && change.entered.isEmpty && change.left.isEmpty {
                try database.run("UPDATE view_reports SET last_skipped_at = \(p: 2) WHERE view_id = \(p: 1)", [.init(viewID), .text(DateText.store(now))])
                return .skip("nothing changed since the last report")
            }
            try database.run("""
                UPDATE view_report_recipients SET last_row_ids = \(p: 3), last_sent_at = \(p: 4), last_message_key = \(p: 5), prior_row_ids = \(p: 6)
                WHERE view_id = \(p: 1) AND user_id = \(p: 2)
                """, [.init(viewID), .init(userID), Self.stored(ids).map(SQLValue.text) ?? .null, .text(DateText.store(now)), .text(messageKey),
                      previousText.map(SQLValue.text) ?? .null])
            let token = Secret.generate()
            try database.run("INSERT INTO view_report_links (token_hash, user_id, view_id) VALUES (\(p: 1), \(p: 2), \(p: 3))",
                             [.text(Secret.hash(token)), .init(userID), .init(viewID)])
            return .send(Content(view: view, count: ids.count, entered: change.entered, left: change.left, compared: compared, unsubscribeToken: token))
        }
    }

    /// A report sent again (a temporary failure, a sender that crashed) finds its next one queued and queues no other.
    private func queueNext(viewID: Int, userID: Int, organizationID: Int, schedule: ReportSchedule, now: Date) throws {
        let queued = try database.query("SELECT payload FROM outbox WHERE kind = 'view report' AND state = 'queued' AND user_id = \(p: 1)",
                                        [.init(userID)]) { Outbox.decode($0.text(0)) }
        guard !queued.contains(where: { $0["view"] == String(viewID) }) else { return }
        let zone = try OrganizationTimeZone(database: database).zone(for: [organizationID])
        let email = try database.query("SELECT email FROM users WHERE id = \(p: 1)", [.init(userID)]) { $0.text(0) }[0]
        try Outbox(database: database).enqueue(.viewReport, to: email, organizationID: organizationID, userID: userID, payload: ["view": String(viewID)],
                                               due: Self.nextDue(after: now, frequency: schedule.frequency, hour: schedule.hour, zone: zone))
    }

    /// Inside the transaction that changes an organization's time zone: its reports' queued emails move to the new local hour.
    func requeueAll(organizationID: Int, now: Date = Date()) throws {
        let views = try database.query("SELECT r.view_id FROM view_reports r JOIN saved_views v ON v.id = r.view_id WHERE v.org_id = \(p: 1)",
                                       [.init(organizationID)]) { $0.int(0) }
        for view in views { try requeue(viewID: view, organizationID: organizationID, now: now) }
    }

    /// A report's unsubscribe link: the user stops getting that view's report (without signing in).
    func unsubscribe(userID: Int, viewID: Int) throws {
        guard let organizationID = try database.query("SELECT org_id FROM saved_views WHERE id = \(p: 1)", [.init(viewID)], row: { $0.isNull(0) ? nil : Optional($0.int(0)) }).first ?? nil
        else { return }
        try database.transaction(locking: [.organization(organizationID)]) {
            try database.run("DELETE FROM view_report_recipients WHERE view_id = \(p: 1) AND user_id = \(p: 2)", [.init(viewID), .init(userID)])
            try requeue(viewID: viewID, organizationID: organizationID, now: Date())
        }
    }
}

/// Sets or stops a shared view's report (its Admins and officers may): frequency, local hour,
/// whether an unchanged report is skipped, and which members receive it. Audited.
public struct SetViewReport: Command {
    public let viewID: Int
    /// nil: no report.
    public let frequency: ReportFrequency?
    public let hour: Int
    public let skipUnchanged: Bool
    public let recipients: [Int]
    public let now: Date

    public init(viewID: Int, frequency: ReportFrequency?, hour: Int = 7, skipUnchanged: Bool = false, recipients: [Int], now: Date = Date()) {
        self.viewID = viewID
        self.frequency = frequency
        self.hour = hour
        self.skipUnchanged = skipUnchanged
        self.recipients = recipients
        self.now = now
    }

    public func run(by access: Access, in database: Database) throws -> String {
        let view = try SavedViews(database: database).view(viewID, for: access)
        guard let organizationID = view.organizationID else { throw UserError.badRequest("Only a view shared with an organization is sent as a report.") }
        try access.require(.shareViews, in: organizationID)
        guard (0...23).contains(hour) else { throw UserError.badRequest("The hour of a report is from 0 to 23.") }
        return try database.transaction(locking: [.organization(organizationID)]) {
            let members = Set(try database.query("SELECT user_id FROM user_roles WHERE org_id = \(p: 1)", [.init(organizationID)]) { $0.int(0) })
            let chosen = Array(Set(recipients)).sorted()
            guard chosen.allSatisfy(members.contains) else { throw UserError.badRequest("A report goes only to members of the view’s organization.") }
            guard let frequency, !chosen.isEmpty else {
                if frequency != nil { throw UserError.badRequest("Choose at least one member to send the report to.") }
                try database.run("DELETE FROM view_reports WHERE view_id = \(p: 1)", [.init(viewID)])
                try ViewReports(database: database).requeue(viewID: viewID, organizationID: organizationID, now: now)
                try AuditLog(database: database).record(by: access, organizationID: organizationID, action: "View report stopped", subject: view.name,
                                                       details: ["view": String(viewID)])
                return "“\(view.name)” is no longer sent as a report."
            }
            try database.run("""
                INSERT INTO view_reports (view_id, frequency, hour, skip_unchanged, updated_by, updated_at) VALUES (\(p: 1), \(p: 2), \(p: 3), \(p: 4), \(p: 5), \(p: 6))
                ON CONFLICT (view_id) DO UPDATE SET frequency = excluded.frequency, hour = excluded.hour, skip_unchanged = excluded.skip_unchanged,
                    updated_by = excluded.updated_by, updated_at = excluded.updated_at
                """, [.init(viewID), .text(frequency.rawValue), .init(hour), .init(skipUnchanged ? 1 : 0), .init(access.userID), .text(DateText.store(now))])
            try database.run("DELETE FROM view_report_recipients WHERE view_id = \(p: 1) AND user_id NOT IN (\(ids: 2))", [.init(viewID), .idList(chosen)])
            for user in chosen {
                try database.run("INSERT INTO view_report_recipients (view_id, user_id) VALUES (\(p: 1), \(p: 2)) ON CONFLICT (view_id, user_id) DO NOTHING",
                                 [.init(viewID), .init(user)])
            }
            try ViewReports(database: database).requeue(viewID: viewID, organizationID: organizationID, now: now)
            try AuditLog(database: database).record(by: access, organizationID: organizationID, action: "View report scheduled", subject: view.name,
                                                   details: ["view": String(viewID), "frequency": frequency.rawValue, "hour": String(hour),
                                                             "skip unchanged": skipUnchanged ? "yes" : "no", "recipients": String(chosen.count)])
            return "“\(view.name)” is sent \(frequency.rawValue) at \(hour):00 to \(chosen.count == 1 ? "1 member" : "\(chosen.count) members")."
        }
    }
}
