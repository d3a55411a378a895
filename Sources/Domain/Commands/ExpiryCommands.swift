import Foundation
import Storage

/// A host sets how long a connection's memberships last (`MembershipLength`), for the drivers
/// approved from now on and, when `applyToConnected`, for those connected now too (each counted
/// from its approval; one already past its end is ended by the next sweep). The page asks the
/// second question with the count first. The outcome is how many connected drivers changed.
public struct SetMembershipLength: Command {
    public let connectionID: Int
    public let length: MembershipLength
    public let applyToConnected: Bool

    public init(connection connectionID: Int, to length: MembershipLength, applyToConnected: Bool) {
        self.connectionID = connectionID
        self.length = length
        self.applyToConnected = applyToConnected
    }

    public func run(by access: Access, in database: Database) throws -> Int {
        let found = try database.query("SELECT org_id, name, membership_lasts FROM connections WHERE id = \(p: 1)", [.init(connectionID)]) {
            (org: $0.int(0), name: $0.text(1), lasts: $0.optionalText(2))
        }.first
        let row = try access.require(.manageConnections, onConnection: connectionID, found) { $0.org }
        return try database.transaction(locking: [.connection(connectionID)]) {
            let now = DateText.now()
            try database.run("""
                UPDATE connections SET membership_lasts = \(p: 2), version = version + 1, updated_at = \(p: 3) WHERE id = \(p: 1)
                """, [.init(connectionID), length.stored.map { .text($0) } ?? .null, .text(now)])
            var changed = 0
            if applyToConnected {
                let connected = try database.query("""
                    SELECT id, decided_at FROM memberships WHERE connection_id = \(p: 1) AND state = 'Connected' ORDER BY id
                    """, [.init(connectionID)]) { (id: $0.int(0), decided: $0.optionalText(1)) }
                for membership in connected {
                    let approved = membership.decided.flatMap(DateText.parse) ?? Date()
                    try MembershipExpiry(database: database).setEnd(membership: membership.id, to: length.end(after: approved))
                    changed += 1
                }
            }
            let version = try database.scalarInt("SELECT version FROM connections WHERE id = \(p: 1)", [.init(connectionID)])
            try AuditLog(database: database).record(by: access, organizationID: row.org, action: "Changed membership length", subject: row.name,
                                                   details: ["before": (try MembershipExpiry.length(row.lasts, connection: connectionID)).summary,
                                                             "after": length.summary, "connected drivers changed": String(changed)])
            try DomainEvents(database: database).record(DomainEvent(
                .connectionUpdated, organization: row.org, connection: connectionID,
                payload: ["version": .int(version), "changed": .array([.string("membership_lasts")]),
                          "membership_lasts": length.stored.map(JSON.string) ?? .null, "connected_changed": .int(changed)]))
            return changed
        }
    }
}

/// A host sets the day selected drivers' memberships end (nil: never), one driver from the
/// connection's page or many from the requests page, each checked against the user's role,
/// audited and emitted as `membership.expiry_set`; all or none. A day already past ends the
/// membership at the next sweep. The outcome is how many changed.
public struct SetMembershipExpiry: Command {
    public let membershipIDs: [Int]
    /// "2027-06-30" (ends at its start, UTC), or nil for never.
    public let day: String?

    public init(_ membershipIDs: [Int], endingOn day: String?) {
        self.membershipIDs = membershipIDs
        self.day = day
    }

    /// A day typed in a form or a body: empty for never.
    public static func day(from text: String) throws(UserError) -> String? {
        let value = text.trimmingCharacters(in: .whitespaces)
        if value.isEmpty { return nil }
        guard MembershipLength.isDay(value) else { throw UserError.badRequest("Give the day the membership ends as YYYY-MM-DD, e.g. 2027-06-30.") }
        return value
    }

    public func run(by access: Access, in database: Database) throws -> Int {
        guard !membershipIDs.isEmpty else { throw UserError.badRequest("Select at least one driver.") }
        guard membershipIDs.count <= MembershipDecisions.mostAtOnce else {
            throw UserError.badRequest("Set the end of at most \(MembershipDecisions.mostAtOnce) memberships at once.")
        }
        if let day, !MembershipLength.isDay(day) { throw UserError.badRequest("Give the day the membership ends as YYYY-MM-DD, e.g. 2027-06-30.") }
        return try database.transaction(locking: try MembershipKeys.connections(of: membershipIDs, in: database)) {
            var changed = 0
            for id in Set(membershipIDs).sorted() {
                let row = try access.require(.decideMemberships, onRequest: id, try database.query("""
                    SELECT c.org_id, m.state, d.email, c.name, c.id FROM memberships m JOIN connections c ON c.id = m.connection_id
                    JOIN drivers d ON d.id = m.driver_id WHERE m.id = \(p: 1)
                    """, [.init(id)], row: { (org: $0.int(0), state: $0.text(1), email: $0.text(2), connection: $0.text(3), connectionID: $0.int(4)) }).first) { $0.org }
                guard row.state == MembershipState.connected.rawValue else {
                    throw UserError.conflict("\(row.email) is \(row.state), not Connected: only a connected driver's membership ends.")
                }
                try MembershipExpiry(database: database).setEnd(membership: id, to: day.map { $0 + "T00:00:00Z" })
                try AuditLog(database: database).record(by: access, organizationID: row.org, action: "Set driver's membership end", subject: row.email,
                                                       details: ["connection": row.connection, "ends": day ?? "never"])
                try DomainEvents(database: database).record(DomainEvent(.membershipExpirySet, organization: row.org, connection: row.connectionID,
                                                                        membership: id, payload: ["expires_at": day.map { .string($0 + "T00:00:00Z") } ?? .null]))
                changed += 1
            }
            return changed
        }
    }
}
