import Foundation
import Storage

/// Re-verification ("ask drivers to confirm every N days", `connections.reverify_days`): N days
/// after their approval (or their last confirmation) a connected driver is emailed their status
/// link, whose page asks them to confirm their answers; confirming starts the N days again. No
/// confirmation within the grace period (`reverify_grace_days`) ends the membership at the sweep,
/// as an expiry does, audited "Not re-verified". Each step runs under the connection's lock after
/// reading the membership again there, so two sweepers ask and end once.
public struct MembershipReverification {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// Inside the transaction that connects a driver: the first ask, when the connection has them.
    func start(membership id: Int, now: String) throws {
        guard let start = DateText.parse(now) else { return }
        let days = try database.query("""
            SELECT c.reverify_days FROM memberships m JOIN connections c ON c.id = m.connection_id WHERE m.id = \(p: 1)
            """, [.init(id)]) { $0.isNull(0) ? nil : $0.int(0) }.first ?? nil
        try database.run("UPDATE memberships SET reverify_at = \(p: 2), reverify_by = NULL WHERE id = \(p: 1)",
                         [.init(id), days.map { .text(DateText.store(start.addingTimeInterval(TimeInterval($0) * 86_400))) } ?? .null])
    }

    /// The sweep's third part: emails the due asks (the grace period starts) and ends the memberships
    /// whose ask went unanswered, up to `limit` of each. Returns (asked, ended).
    @discardableResult
    public func sweep(now: Date, limit: Int = MembershipExpiry.batch) throws -> (asked: Int, ended: Int) {
        let nowText = DateText.store(now)
        var asked = 0, ended = 0
        for (connection, ids) in try due("reverify_at", now: nowText, limit: limit) {
            asked += try database.transaction(locking: [.connection(connection)]) {
                let rows = try database.query("""
                    SELECT m.id, c.reverify_grace_days FROM memberships m JOIN connections c ON c.id = m.connection_id
                    WHERE m.id IN (\(ids: 1)) AND m.state = 'Connected' AND m.reverify_at IS NOT NULL AND m.reverify_at <= \(p: 2) ORDER BY m.id
                    """, [.idList(ids), .text(nowText)]) { (id: $0.int(0), grace: $0.int(1)) }
                for row in rows {
                    let by = DateText.store(now.addingTimeInterval(TimeInterval(row.grace) * 86_400))
                    try DriverEmails(database: database).enqueue(.reverification, membership: row.id, adding: ["by": DateText.day(by)])
                    try database.run("UPDATE memberships SET reverify_at = NULL, reverify_by = \(p: 2) WHERE id = \(p: 1)", [.init(row.id), .text(by)])
                }
                return rows.count
            }
        }
        for (connection, ids) in try due("reverify_by", now: nowText, limit: limit) {
            ended += try database.transaction(locking: [.connection(connection)]) {
                let rows = try database.query("""
                    SELECT m.id, d.email, c.name, c.org_id, m.reverify_by FROM memberships m JOIN connections c ON c.id = m.connection_id
                    JOIN drivers d ON d.id = m.driver_id
                    WHERE m.id IN (\(ids: 1)) AND m.state = 'Connected' AND m.reverify_by IS NOT NULL AND m.reverify_by <= \(p: 2) ORDER BY m.id
                    """, [.idList(ids), .text(nowText)]) { (id: $0.int(0), email: $0.text(1), connection: $0.text(2), org: $0.int(3), by: $0.text(4)) }
                for row in rows {
                    try AuditLog(database: database).record(actorID: nil, actor: MembershipExpiry.actor, organizationID: row.org, action: "Not re-verified",
                                                           subject: row.email, details: ["connection": row.connection, "confirm_by": row.by])
                    try Decide.write(.remove, reason: .null, membership: row.id, organization: row.org, connection: connection,
                                     now: nowText, decidedBy: .null, event: .membershipExpired, in: database)
                    try database.run("UPDATE memberships SET reverify_by = NULL WHERE id = \(p: 1)", [.init(row.id)])
                }
                return rows.count
            }
        }
        return (asked, ended)
    }

    /// The connected memberships whose `column` is due, by connection: read from its partial index.
    private func due(_ column: String, now: String, limit: Int) throws -> [(Int, [Int])] {
        let rows = try database.query("""
            SELECT id, connection_id FROM memberships WHERE state = 'Connected' AND \(raw: column) IS NOT NULL AND \(raw: column) <= \(p: 1)
            ORDER BY \(raw: column) LIMIT \(p: 2)
            """, [.text(now), .init(limit)]) { (membership: $0.int(0), connection: $0.int(1)) }
        return Dictionary(grouping: rows, by: \.connection).map { ($0.key, $0.value.map(\.membership)) }.sorted { $0.0 < $1.0 }
    }
}

/// A connected driver confirms their answers from their status page (the re-verification email's
/// link): the next ask is N days from now. Nothing to confirm unless they were asked.
public struct ConfirmAnswers: Sendable {
    public let statusToken: String
    public let now: Date

    public init(statusToken: String, now: Date = Date()) {
        self.statusToken = statusToken
        self.now = now
    }

    public func run(in database: Database) throws {
        try database.transaction(locking: try MembershipKeys.connection(statusToken: statusToken, in: database)) {
            guard let found = try database.query("""
                SELECT m.id, m.reverify_by, c.reverify_days, d.email, c.org_id, c.name FROM memberships m
                JOIN connections c ON c.id = m.connection_id JOIN drivers d ON d.id = m.driver_id
                WHERE m.state = 'Connected' AND \(StatusLinks.leadsTo("m", parameter: "\(p: 1)"))
                """, [.text(Secret.hash(statusToken))], row: {
                    (id: $0.int(0), by: $0.optionalText(1), days: $0.isNull(2) ? nil : $0.int(2), email: $0.text(3), org: $0.int(4), name: $0.text(5))
                }).first, found.by != nil else {
                throw UserError.conflict("There is nothing to confirm: only a connected driver who was asked confirms their answers.")
            }
            let next = found.days.map { DateText.store(now.addingTimeInterval(TimeInterval($0) * 86_400)) }
            try database.run("UPDATE memberships SET reverify_by = NULL, reverify_at = \(p: 2) WHERE id = \(p: 1)",
                             [.init(found.id), next.map { .text($0) } ?? .null])
            try AuditLog(database: database).record(actorID: nil, actor: found.email, organizationID: found.org, action: "Driver confirmed answers",
                                                   subject: found.email, details: ["connection": found.name])
        }
    }
}

/// A host sets how often a connection's drivers confirm their answers (nil: never) and the days
/// they have to. Connected drivers are first asked N days from now; none waits any more when off.
public struct SetReverification: Command {
    public let connectionID: Int
    public let days: Int?
    public let graceDays: Int
    public let now: Date

    public init(connection connectionID: Int, everyDays days: Int?, graceDays: Int, now: Date = Date()) {
        self.connectionID = connectionID
        self.days = days
        self.graceDays = graceDays
        self.now = now
    }

    /// From a form or a body: `every` empty for never.
    public static func from(every: String, grace: String) throws(UserError) -> (days: Int?, grace: Int) {
        let every = every.trimmingCharacters(in: .whitespaces), grace = grace.trimmingCharacters(in: .whitespaces)
        let days = every.isEmpty ? nil : RequestNumber.parse(every, in: 1...3650)
        guard every.isEmpty || days != nil else { throw UserError.badRequest("Give every how many days drivers confirm, from 1 to 3650, or leave it empty for never.") }
        guard let graceDays = grace.isEmpty ? 14 : RequestNumber.parse(grace, in: 1...365) else {
            throw UserError.badRequest("Give the days drivers have to confirm, from 1 to 365.")
        }
        return (days, graceDays)
    }

    public func run(by access: Access, in database: Database) throws -> Int {
        let found = try database.query("SELECT org_id, name FROM connections WHERE id = \(p: 1)", [.init(connectionID)]) { (org: $0.int(0), name: $0.text(1)) }.first
        let row = try access.require(.manageConnections, onConnection: connectionID, found) { $0.org }
        return try database.transaction(locking: [.connection(connectionID)]) {
            try database.run("""
                UPDATE connections SET reverify_days = \(p: 2), reverify_grace_days = \(p: 3), version = version + 1, updated_at = \(p: 4) WHERE id = \(p: 1)
                """, [.init(connectionID), days.map { .init($0) } ?? .null, .init(graceDays), .text(DateText.store(now))])
            let next = days.map { DateText.store(now.addingTimeInterval(TimeInterval($0) * 86_400)) }
            // Those waiting for an answer keep their day; the others are asked N days from now (or never).
            let changed = try database.scalarInt("""
                SELECT count(*) FROM memberships WHERE connection_id = \(p: 1) AND state = 'Connected' AND reverify_by IS NULL
                """, [.init(connectionID)])
            try database.run("""
                UPDATE memberships SET reverify_at = \(p: 2) WHERE connection_id = \(p: 1) AND state = 'Connected' AND reverify_by IS NULL
                """, [.init(connectionID), next.map { .text($0) } ?? .null])
            if days == nil {
                try database.run("UPDATE memberships SET reverify_by = NULL WHERE connection_id = \(p: 1)", [.init(connectionID)])
            }
            let version = try database.scalarInt("SELECT version FROM connections WHERE id = \(p: 1)", [.init(connectionID)])
            try AuditLog(database: database).record(by: access, organizationID: row.org, action: "Changed re-verification", subject: row.name,
                                                   details: ["every": days.map { "\($0) days" } ?? "never", "grace": "\(graceDays) days"])
            try DomainEvents(database: database).record(DomainEvent(
                .connectionUpdated, organization: row.org, connection: connectionID,
                payload: ["version": .int(version), "changed": .array([.string("reverify_days")]),
                          "reverify_days": days.map { .int($0) } ?? .null, "reverify_grace_days": .int(graceDays)]))
            return changed
        }
    }

    /// The connection's setting, as its form shows it.
    public static func current(ofConnection id: Int, in database: Database) throws -> (days: Int?, grace: Int) {
        try database.query("SELECT reverify_days, reverify_grace_days FROM connections WHERE id = \(p: 1)", [.init(id)]) {
            (days: $0.isNull(0) ? nil : $0.int(0), grace: $0.int(1))
        }.first ?? (nil, 14)
    }
}
