import Foundation
import Storage

/// The emails a driver gets about a request: received (with the status link), approved (with
/// the benefits), denied (with the host's reason), removed, the status link again, and the link
/// that confirms an address. Each is queued in the transaction that changes the request; what it
/// says is fixed then.
struct DriverEmails {
    let database: Database

    /// A request's status link is emailed again at most once in this time.
    static let statusLinkInterval: TimeInterval = 10 * 60

    /// Queues `kind` about membership `id`; its links are drawn when it is sent (`EmailLinks`).
    func enqueue(_ kind: EmailKind, membership id: Int, adding extra: [String: String] = [:]) throws {
        try enqueue(kind, memberships: [id], adding: extra)
    }

    /// The same about each of `ids`, with one read and one insert (a batch's thousands).
    func enqueue(_ kind: EmailKind, memberships ids: [Int], adding extra: [String: String] = [:]) throws {
        let found = try database.query("""
            SELECT c.org_id, o.name_for_drivers, c.name, c.benefits_list, m.driver_name, d.email, coalesce(m.denial_reason, ''), m.id
            FROM memberships m JOIN connections c ON c.id = m.connection_id JOIN organizations o ON o.id = c.org_id
            JOIN drivers d ON d.id = m.driver_id WHERE m.id IN (\(ids: 1)) ORDER BY m.id
            """, [.idList(ids)], row: { row in
                Outbox.Message(recipient: row.text(5), organizationID: row.int(0), membershipID: row.int(7),
                               payload: ["organization": row.text(1), "connection": row.text(2), "benefits": row.text(3),
                                         "driver": row.text(4), "reason": row.text(6)].merging(extra) { _, added in added })
            })
        try Outbox(database: database).enqueue(kind, found)
    }

    /// Whether a repeat request may email its links again: not when any email about the request
    /// (each carries its status link) was queued in the last `statusLinkInterval`, so a join form
    /// cannot be used to flood someone's inbox.
    func mayResend(membership id: Int, now: Date = Date()) throws -> Bool {
        try database.scalarInt("""
            SELECT count(*) FROM outbox WHERE membership_id = \(p: 1) AND created_at > \(p: 2)
            """, [.init(id), .text(DateText.store(now.addingTimeInterval(-Self.statusLinkInterval)))]) == 0
    }
}
