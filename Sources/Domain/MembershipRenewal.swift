import Foundation
import Storage

/// Renewal of memberships that end. Before its end a driver is reminded (by default 14 and 3 days
/// before: `connections.renewal_reminders`), each reminder once: the sweep sends it under the
/// connection's lock and moves the membership's `remind_at` to the next one (drawn from its end by
/// `MembershipExpiry.setEnd`). The email carries a status link, whose page renews (`RenewMembership`):
/// the connection's approval rule runs again.
public struct MembershipRenewal {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    public static let defaultDays = [14, 3]
    public static let mostDays = 365

    /// The stored days ("14,3"; "" for none), largest first.
    public static func days(_ stored: String) -> [Int] {
        Set(stored.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.filter { (1...mostDays).contains($0) })
            .sorted(by: >)
    }

    /// From a form or a body ("14, 3"; empty: no reminders): the stored text.
    public static func stored(from text: String) throws(UserError) -> String {
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let days = parts.compactMap { RequestNumber.parse($0, in: 1...mostDays) }
        guard days.count == parts.count, days.count <= 5 else {
            throw UserError.badRequest("Give at most 5 numbers of days before the end, from 1 to \(mostDays), separated by commas (e.g. 14, 3).")
        }
        return Set(days).sorted(by: >).map(String.init).joined(separator: ",")
    }

    /// A driver may renew from this many days before the end, or from the connection's first reminder if earlier:
    /// not at any time, or a membership would be stretched without end by renewing again and again.
    public static let openDays = 30

    /// When renewing opens before `end` (stored text).
    static func opens(before end: String, days: [Int]) -> String? {
        DateText.parse(end).map { DateText.store($0.addingTimeInterval(-TimeInterval(max(openDays, days.max() ?? 0)) * 86_400)) }
    }

    /// The first reminder before `end` that falls after `after` (nil: the first of all, even if past,
    /// so a membership given a near end is still reminded once); nil when none is left.
    static func reminder(before end: String, days: [Int], after: Date?) -> String? {
        guard let endDate = DateText.parse(end) else { return nil }
        let times = days.sorted(by: >).map { endDate.addingTimeInterval(-TimeInterval($0) * 86_400) }
        guard let after else { return times.first.map(DateText.store) }
        return times.first { $0 > after }.map(DateText.store)
    }

    /// The sweep's second part: sends up to `limit` due reminders, each once (read again under the
    /// connection's lock, its `remind_at` moved on in the same transaction as its email). Returns how
    /// many were sent; a membership already past its end gets none (the sweep ends it).
    @discardableResult
    public func remind(now: Date, limit: Int = MembershipExpiry.batch) throws -> Int {
        let nowText = DateText.store(now)
        let due = try database.query("""
            SELECT id, connection_id FROM memberships
            WHERE state = 'Connected' AND remind_at IS NOT NULL AND remind_at <= \(p: 1) ORDER BY remind_at LIMIT \(p: 2)
            """, [.text(nowText), .init(limit)]) { (membership: $0.int(0), connection: $0.int(1)) }
        var sent = 0
        for connection in Set(due.map(\.connection)).sorted() {
            let ids = due.filter { $0.connection == connection }.map(\.membership)
            sent += try database.transaction(locking: [.connection(connection)]) {
                let rows = try database.query("""
                    SELECT m.id, m.expires_at, c.renewal_reminders FROM memberships m JOIN connections c ON c.id = m.connection_id
                    WHERE m.id IN (\(ids: 1)) AND m.state = 'Connected' AND m.remind_at IS NOT NULL AND m.remind_at <= \(p: 2) ORDER BY m.id
                    """, [.idList(ids), .text(nowText)]) { (id: $0.int(0), end: $0.optionalText(1), days: Self.days($0.text(2))) }
                var sent = 0
                for row in rows {
                    if let end = row.end, end > nowText {
                        try DriverEmails(database: database).enqueue(.renewalReminder, membership: row.id, adding: ["ends": DateText.day(end)])
                        sent += 1
                    }
                    let next = row.end.flatMap { Self.reminder(before: $0, days: row.days, after: now) }
                    try database.run("UPDATE memberships SET remind_at = \(p: 2) WHERE id = \(p: 1)", [.init(row.id), next.map { .text($0) } ?? .null])
                }
                return sent
            }
        }
        return sent
    }

    /// Inside a transaction holding the connection's lock: the membership renewed, its new end
    /// counted by the connection's length from its current end (or from `now`, if that is later),
    /// audited "Renewed driver" and recorded as `membership.renewed`. Returns the new end (nil: never).
    @discardableResult
    func renew(membership id: Int, now: Date, actorID: Int?, actor: String) throws -> String? {
        guard let row = try database.query("""
            SELECT m.expires_at, c.membership_lasts, c.id, c.org_id, d.email, c.name FROM memberships m
            JOIN connections c ON c.id = m.connection_id JOIN drivers d ON d.id = m.driver_id WHERE m.id = \(p: 1)
            """, [.init(id)], row: { (end: $0.optionalText(0), lasts: $0.optionalText(1), connection: $0.int(2), org: $0.int(3),
                                      email: $0.text(4), name: $0.text(5)) }).first else { return nil }
        let length = try MembershipExpiry.length(row.lasts, connection: row.connection)
        let from = max(now, row.end.flatMap(DateText.parse) ?? now)
        let end = length.end(after: from)
        let expiry = MembershipExpiry(database: database)
        try expiry.setEnd(membership: id, to: end)
        try database.run("UPDATE memberships SET renewal_asked_at = NULL WHERE id = \(p: 1)", [.init(id)])
        try AuditLog(database: database).record(actorID: actorID, actor: actor, organizationID: row.org, action: "Renewed driver", subject: row.email,
                                               details: ["connection": row.name, "ended": row.end ?? "never", "ends": end ?? "never"])
        try DomainEvents(database: database).record(DomainEvent(.membershipRenewed, organization: row.org, connection: row.connection, membership: id,
                                                                payload: ["expires_at": end.map(JSON.string) ?? .null]))
        return end
    }

    /// Inside the confirmation's transaction: a connected driver who asked to renew proved their
    /// address; renewed when the connection still approves its domain, else the host decides.
    func confirmed(membership id: Int, email: String, organization: Int, now: Date) throws {
        let approves = try database.scalarInt("""
            SELECT count(*) FROM memberships m JOIN connections c ON c.id = m.connection_id JOIN drivers d ON d.id = m.driver_id
            WHERE m.id = \(p: 1) AND c.status = 'Enabled' AND \(JoinRequests.domainMatches(connection: "c", email: "d.email"))
            """, [.init(id)]) > 0
        if approves {
            try renew(membership: id, now: now, actorID: nil, actor: email)
        } else {
            try HostDigests(database: database).schedule(organizationID: organization, now: now)
        }
    }

    /// Whether the membership waits for its renewal (its driver asked).
    static func asked(membership id: Int, in database: Database) throws -> Bool {
        try database.scalarInt("""
            SELECT count(*) FROM memberships WHERE id = \(p: 1) AND state = 'Connected' AND renewal_asked_at IS NOT NULL
            """, [.init(id)]) > 0
    }
}

/// What a driver's renewal came to.
public enum RenewalOutcome: Equatable, Sendable {
    /// Renewed at once (the connection approves everyone): the new end, nil for never.
    case renewed(String?)
    /// The address is to be proved again: a confirmation email is on its way.
    case confirming
    /// The host decides (`ApproveRenewal`).
    case waitingForHost
}

/// A connected driver renews their membership from their status page (the renewal email's link):
/// the connection's approval rule runs again. Everyone approved: renewed at once; by email domain,
/// a matching address: proved again by a confirmation email, then renewed; otherwise the host
/// approves the renewal from the connection's page. Asking twice sends no second email within
/// `DriverEmails.statusLinkInterval`.
public struct RenewMembership: Sendable {
    public let statusToken: String
    public let now: Date

    public init(statusToken: String, now: Date = Date()) {
        self.statusToken = statusToken
        self.now = now
    }

    public func run(with requests: JoinRequests) throws -> RenewalOutcome {
        let database = requests.database
        return try database.transaction(locking: try MembershipKeys.connection(statusToken: statusToken, in: database)) {
            guard let found = try database.query("""
                SELECT m.id, m.connection_id, m.state, m.expires_at, d.email, c.org_id, c.name, c.renewal_reminders FROM memberships m
                JOIN connections c ON c.id = m.connection_id JOIN drivers d ON d.id = m.driver_id
                WHERE \(StatusLinks.leadsTo("m", parameter: "\(p: 1)"))
                """, [.text(Secret.hash(statusToken))], row: {
                    (id: $0.int(0), connection: $0.int(1), state: $0.text(2), end: $0.optionalText(3), email: $0.text(4), org: $0.int(5), name: $0.text(6),
                     reminders: $0.text(7))
                }).first else {
                throw UserError.notFound("This status link is not valid. Use the link from your newest email.")
            }
            guard found.state == MembershipState.connected.rawValue, found.end != nil else {
                throw UserError.conflict("Only a connected membership that ends is renewed: this one is \(found.state) and does not end.")
            }
            if let end = found.end, let opens = MembershipRenewal.opens(before: end, days: MembershipRenewal.days(found.reminders)), DateText.store(now) < opens {
                throw UserError.conflict("Renewing opens on \(DateText.day(opens)), \(MembershipRenewal.openDays) days before your membership ends.")
            }
            guard let start = try requests.startingState(email: found.email, connectionID: found.connection) else {
                throw UserError.conflict("This connection is not taking drivers right now, so it cannot renew memberships.")
            }
            let renewal = MembershipRenewal(database: database)
            if start.state == .connected {
                return .renewed(try renewal.renew(membership: found.id, now: now, actorID: nil, actor: found.email))
            }
            let repeated = try MembershipRenewal.asked(membership: found.id, in: database)
            try database.run("UPDATE memberships SET renewal_asked_at = \(p: 2) WHERE id = \(p: 1)", [.init(found.id), .text(DateText.store(now))])
            if !repeated {
                try AuditLog(database: database).record(actorID: nil, actor: found.email, organizationID: found.org, action: "Driver asked to renew",
                                                       subject: found.email, details: ["connection": found.name])
            }
            if start.confirming {
                if try !repeated || DriverEmails(database: database).mayResend(membership: found.id, now: now) {
                    try EmailConfirmations(database: database).create(membership: found.id, now: now)
                    try DriverEmails(database: database).enqueue(.emailConfirmation, membership: found.id)
                }
                return .confirming
            }
            try HostDigests(database: database).schedule(organizationID: found.org, now: now)
            return .waitingForHost
        }
    }
}

/// A host approves the renewals that drivers asked for (the connection's page lists them): each
/// renewed as the connection's length says, audited by the host, all or none.
public struct ApproveRenewal: Command {
    public let membershipIDs: [Int]
    public let now: Date

    public init(_ membershipIDs: [Int], now: Date = Date()) {
        self.membershipIDs = membershipIDs
        self.now = now
    }

    public func run(by access: Access, in database: Database) throws -> Int {
        guard !membershipIDs.isEmpty else { throw UserError.badRequest("Select at least one driver.") }
        guard membershipIDs.count <= MembershipDecisions.mostAtOnce else {
            throw UserError.badRequest("Renew at most \(MembershipDecisions.mostAtOnce) memberships at once.")
        }
        return try database.transaction(locking: try MembershipKeys.connections(of: membershipIDs, in: database)) {
            for id in Set(membershipIDs).sorted() {
                _ = try access.require(.decideMemberships, onRequest: id, try database.query("""
                    SELECT c.org_id FROM memberships m JOIN connections c ON c.id = m.connection_id WHERE m.id = \(p: 1)
                    """, [.init(id)]) { $0.int(0) }.first) { $0 }
                guard try MembershipRenewal.asked(membership: id, in: database) else {
                    throw UserError.conflict("This driver has not asked to renew, or is no longer connected.")
                }
                try MembershipRenewal(database: database).renew(membership: id, now: now, actorID: access.userID, actor: access.actor)
            }
            return Set(membershipIDs).count
        }
    }
}

extension MembershipRenewal {
    /// The connection's connected drivers who asked to renew and wait for the host, oldest ask first.
    public func asking(connectionID: Int, limit: Int = 50) throws -> [MembershipExpiry.Ending] {
        try database.query("""
            SELECT m.id, m.driver_name, d.email, m.expires_at FROM memberships m JOIN drivers d ON d.id = m.driver_id
            WHERE m.connection_id = \(p: 1) AND m.state = 'Connected' AND m.renewal_asked_at IS NOT NULL AND m.expires_at IS NOT NULL
            ORDER BY m.renewal_asked_at, m.id LIMIT \(p: 2)
            """, [.init(connectionID), .init(limit)]) {
            MembershipExpiry.Ending(membershipID: $0.int(0), driverName: $0.text(1), email: $0.text(2), expiresAt: $0.text(3))
        }
    }

    /// The connection's reminder days, as its form shows them ("14, 3").
    public func reminders(ofConnection id: Int) throws -> String {
        try database.query("SELECT renewal_reminders FROM connections WHERE id = \(p: 1)", [.init(id)]) {
            Self.days($0.text(0)).map(String.init).joined(separator: ", ")
        }.first ?? ""
    }
}

/// A host sets the days before its end a connection's drivers are reminded to renew ("14,3"; ""
/// for none); the connected drivers' next reminders follow at once (none for a day already past).
public struct SetRenewalReminders: Command {
    public let connectionID: Int
    /// As `MembershipRenewal.stored(from:)` gives it.
    public let stored: String
    public let now: Date

    public init(connection connectionID: Int, to stored: String, now: Date = Date()) {
        self.connectionID = connectionID
        self.stored = stored
        self.now = now
    }

    public func run(by access: Access, in database: Database) throws -> Int {
        let found = try database.query("SELECT org_id, name, renewal_reminders FROM connections WHERE id = \(p: 1)", [.init(connectionID)]) {
            (org: $0.int(0), name: $0.text(1), before: $0.text(2))
        }.first
        let row = try access.require(.manageConnections, onConnection: connectionID, found) { $0.org }
        return try database.transaction(locking: [.connection(connectionID)]) {
            try database.run("""
                UPDATE connections SET renewal_reminders = \(p: 2), version = version + 1, updated_at = \(p: 3) WHERE id = \(p: 1)
                """, [.init(connectionID), .text(stored), .text(DateText.store(now))])
            let days = MembershipRenewal.days(stored)
            let ending = try database.query("""
                SELECT id, expires_at FROM memberships WHERE connection_id = \(p: 1) AND state = 'Connected' AND expires_at IS NOT NULL ORDER BY id
                """, [.init(connectionID)]) { (id: $0.int(0), end: $0.text(1)) }
            for membership in ending {
                let next = MembershipRenewal.reminder(before: membership.end, days: days, after: now)
                try database.run("UPDATE memberships SET remind_at = \(p: 2) WHERE id = \(p: 1)", [.init(membership.id), next.map { .text($0) } ?? .null])
            }
            let version = try database.scalarInt("SELECT version FROM connections WHERE id = \(p: 1)", [.init(connectionID)])
            try AuditLog(database: database).record(by: access, organizationID: row.org, action: "Changed renewal reminders", subject: row.name,
                                                   details: ["before": row.before, "after": stored])
            try DomainEvents(database: database).record(DomainEvent(
                .connectionUpdated, organization: row.org, connection: connectionID,
                payload: ["version": .int(version), "changed": .array([.string("renewal_reminders")]), "renewal_reminders": .string(stored)]))
            return ending.count
        }
    }
}
