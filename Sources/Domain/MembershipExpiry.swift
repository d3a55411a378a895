import Foundation
import Storage

/// Memberships that end: each one's `expires_at` set when it is approved (from its connection's
/// `MembershipLength`) or by a host, and the sweep that ends the due ones on time. The sweep runs in
/// the process holding the outbox lease (`Web/ExpiryDuty`), but its correctness does not rest on
/// that: each batch is read by the partial index on `expires_at` (due ones only, so a round costs
/// the same whatever the total), then ended per connection under that connection's lock after
/// reading each one again there, so two sweepers (a lease taken over mid-round) end a membership once.
public struct MembershipExpiry {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// Memberships ended in one transaction: one connection's lock held briefly.
    public static let batch = 100

    /// `start` for a batch's approvals (an import's thousands): one read a slice finds the memberships
    /// with something to set (a length or re-verification on their connection, or an end or ask left
    /// from before); connections that last for ever cost nothing more.
    func start(memberships ids: [Int], at now: String) throws {
        let due = try database.query("""
            SELECT m.id FROM memberships m JOIN connections c ON c.id = m.connection_id WHERE m.id IN (\(ids: 1))
            AND (c.membership_lasts IS NOT NULL OR c.reverify_days IS NOT NULL OR m.expires_at IS NOT NULL OR m.remind_at IS NOT NULL
                 OR m.reverify_at IS NOT NULL OR m.reverify_by IS NOT NULL)
            """, [.idList(ids)]) { $0.int(0) }
        for id in due { try start(membership: id, at: now) }
    }

    /// Inside the transaction that connects a driver (an approval, an automatic join, a confirmed
    /// address): the membership ends as its connection's length says, counted from `now`.
    func start(membership id: Int, at now: String) throws {
        let stored = try database.query("""
            SELECT c.membership_lasts, c.id FROM memberships m JOIN connections c ON c.id = m.connection_id WHERE m.id = \(p: 1)
            """, [.init(id)]) { (lasts: $0.optionalText(0), connection: $0.int(1)) }.first
        guard let stored else { return }
        let length = try Self.length(stored.lasts, connection: stored.connection)
        let end = DateText.parse(now).flatMap { length.end(after: $0) }
        try setEnd(membership: id, to: end)
        try MembershipReverification(database: database).start(membership: id, now: now)
    }

    /// Inside a transaction holding the connection's lock: the membership ends at `end` (nil: never),
    /// with its first renewal reminder drawn from that end (`MembershipRenewal`). Every end is set here.
    func setEnd(membership id: Int, to end: String?) throws {
        let days = try database.query("""
            SELECT c.renewal_reminders FROM memberships m JOIN connections c ON c.id = m.connection_id WHERE m.id = \(p: 1)
            """, [.init(id)]) { MembershipRenewal.days($0.text(0)) }.first ?? []
        let remind = end.flatMap { MembershipRenewal.reminder(before: $0, days: days, after: nil) }
        try database.run("UPDATE memberships SET expires_at = \(p: 2), remind_at = \(p: 3) WHERE id = \(p: 1)",
                         [.init(id), end.map { .text($0) } ?? .null, remind.map { .text($0) } ?? .null])
    }

    static func length(_ stored: String?, connection: Int) throws -> MembershipLength {
        guard let length = MembershipLength.parse(stored: stored) else {
            throw StoredValueError(table: "connections", key: "id \(connection)", column: "membership_lasts", value: stored ?? "")
        }
        return length
    }

    /// The connected memberships due at `now`, earliest first, at most `limit`: read from the index alone.
    func due(now: Date, limit: Int) throws -> [(membership: Int, connection: Int)] {
        try database.query("""
            SELECT id, connection_id FROM memberships
            WHERE state = 'Connected' AND expires_at IS NOT NULL AND expires_at <= \(p: 1) ORDER BY expires_at LIMIT \(p: 2)
            """, [.text(DateText.store(now)), .init(limit)]) { (membership: $0.int(0), connection: $0.int(1)) }
    }

    /// One round of the sweep: ends up to `limit` due memberships, each as a removal (its state,
    /// counters, the driver's email) audited "Expired driver" by nobody, with a `membership.expired`
    /// event. Returns how many it ended; a caller repeats while a round ends `limit`.
    @discardableResult
    public func sweep(now: Date, limit: Int = batch) throws -> Int {
        let due = try due(now: now, limit: limit)
        var ended = 0
        for connection in Set(due.map(\.connection)).sorted() {
            let ids = due.filter { $0.connection == connection }.map(\.membership)
            ended += try database.transaction(locking: [.connection(connection)]) {
                // Read again under the lock: another sweeper, a host's Remove or a new expiry may have come first.
                let rows = try database.query("""
                    SELECT m.id, d.email, c.name, c.org_id, m.expires_at FROM memberships m JOIN connections c ON c.id = m.connection_id
                    JOIN drivers d ON d.id = m.driver_id
                    WHERE m.id IN (\(ids: 1)) AND m.state = 'Connected' AND m.expires_at IS NOT NULL AND m.expires_at <= \(p: 2) ORDER BY m.id
                    """, [.idList(ids), .text(DateText.store(now))]) {
                    (id: $0.int(0), email: $0.text(1), connection: $0.text(2), org: $0.int(3), expiresAt: $0.text(4))
                }
                for row in rows {
                    try AuditLog(database: database).record(actorID: nil, actor: Self.actor, organizationID: row.org, action: "Expired driver",
                                                           subject: row.email, details: ["connection": row.connection, "expires_at": row.expiresAt])
                    try Decide.write(.remove, reason: .null, membership: row.id, organization: row.org, connection: connection,
                                     now: DateText.store(now), decidedBy: .null, event: .membershipExpired, in: database)
                }
                return rows.count
            }
        }
        return ended
    }

    /// A connection's membership length.
    public func length(ofConnection id: Int) throws -> MembershipLength {
        let stored = try database.query("SELECT membership_lasts FROM connections WHERE id = \(p: 1)", [.init(id)]) { $0.optionalText(0) }.first
        return try Self.length(stored ?? nil, connection: id)
    }

    /// Which of `ids` belong to the connection.
    public func memberships(ofConnection id: Int, among ids: [Int]) throws -> [Int] {
        guard !ids.isEmpty else { return [] }
        return try database.query("SELECT id FROM memberships WHERE connection_id = \(p: 1) AND id IN (\(ids: 2))",
                                  [.init(id), .idList(ids)]) { $0.int(0) }
    }

    /// The end of each of these memberships that has one.
    public func ends(of ids: [Int]) throws -> [Int: String] {
        guard !ids.isEmpty else { return [:] }
        return Dictionary(uniqueKeysWithValues: try database.query("""
            SELECT id, expires_at FROM memberships WHERE id IN (\(ids: 1)) AND expires_at IS NOT NULL
            """, [.idList(ids)]) { ($0.int(0), $0.text(1)) })
    }

    /// A connected driver whose membership ends soon, as the connection's page lists them.
    public struct Ending: Sendable {
        public let membershipID: Int
        public let driverName: String
        public let email: String
        public let expiresAt: String
    }

    /// The connection's connected drivers whose memberships end after `now` and within `days` of it, soonest
    /// first (at most `limit`), and how many there are: read by the connection's partial index.
    public func endingSoon(connectionID: Int, now: Date, days: Int = 30, limit: Int = 20) throws -> (drivers: [Ending], count: Int) {
        let window: SQLFragment = """
            m.connection_id = \(p: 1) AND m.state = 'Connected' AND m.expires_at IS NOT NULL AND m.expires_at > \(p: 4) AND m.expires_at <= \(p: 2)
            """
        let parameters: [SQLValue] = [.init(connectionID), .text(DateText.store(now.addingTimeInterval(TimeInterval(days) * 86_400)))]
        let count = try database.scalarInt("SELECT count(*) FROM memberships m WHERE \(window)", parameters + [.init(0), .text(DateText.store(now))])
        let drivers = try database.query("""
            SELECT m.id, m.driver_name, d.email, m.expires_at FROM memberships m JOIN drivers d ON d.id = m.driver_id
            WHERE \(window) ORDER BY m.expires_at, m.id LIMIT \(p: 3)
            """, parameters + [.init(limit), .text(DateText.store(now))]) { Ending(membershipID: $0.int(0), driverName: $0.text(1), email: $0.text(2), expiresAt: $0.text(3)) }
        return (drivers, count)
    }

    /// Who the audit log says ended a membership on time.
    public static let actor = "Membership expiry"
}
