import Foundation
import Storage

/// A host approves, denies (with a reason the driver reads) or removes drivers, all or none; each
/// request is checked against the user's role in its organization, audited, told to the driver by
/// email and emitted as an event. The outcome is how many changed.
public struct Decide: Command {
    public let membershipIDs: [Int]
    public let decision: Decision

    public init(_ decision: Decision, on membershipIDs: [Int]) {
        self.decision = decision
        self.membershipIDs = membershipIDs
    }

    public func run(by access: Access, in database: Database) throws -> Int {
        let ids = membershipIDs
        guard !ids.isEmpty else { throw UserError.badRequest("Select at least one driver.") }
        guard ids.count <= MembershipDecisions.mostAtOnce else { throw UserError.badRequest("Decide on at most \(MembershipDecisions.mostAtOnce) drivers at once.") }
        let reason = try Self.reason(of: decision)
        return try database.transaction(locking: try MembershipKeys.connections(of: ids, in: database)) {
            try Self.apply(decision, reason: reason, to: ids, by: access, in: database)
        }
    }

    /// A denial's reason as stored (null for the other decisions), or why it cannot be: pages ask
    /// before a second question, so that a slip is said before, not after it.
    public static func reason(of decision: Decision) throws -> SQLValue {
        guard case .deny(let typed) = decision else { return .null }
        let text = typed.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\r\n", with: "\n")
        // Counted as the schema's CHECK counts it.
        guard (1...MembershipDecisions.longestReason).contains(StoredText.length(text)) else {
            throw UserError.badRequest("Give the driver a reason for the denial (up to \(MembershipDecisions.longestReason) characters).")
        }
        // The driver reads it on their status page and in an email: line breaks, but no other control
        // character or direction override.
        guard !StoredText.hasControlCharacter(text.replacingOccurrences(of: "\n", with: "")) else {
            throw UserError.badRequest("The reason may hold line breaks, but no other control characters or direction overrides.")
        }
        return .text(text)
    }

    /// The decision on each of `ids`, inside the caller's transaction, which locks their connections;
    /// `via` names a batch it is part of (an import) in each audit entry. One request or an import's
    /// thousands go through the same checks; a slice of them at a time is read, written, audited,
    /// emailed and emitted with a few statements, not a few each.
    static func apply(_ decision: Decision, reason: SQLValue, to ids: [Int], by access: Access, in database: Database, via: String? = nil) throws -> Int {
        let (from, to) = decision.transition
        let now = DateText.now()
        let ids = Set(ids).sorted()
        for start in stride(from: 0, to: ids.count, by: perSlice) {
            let slice = Array(ids[start..<min(start + perSlice, ids.count)])
            var found: [Int: (org: Int, state: String, email: String, connection: String, connectionID: Int)] = [:]
            for row in try database.query("""
                SELECT m.id, c.org_id, m.state, d.email, c.name, c.id FROM memberships m JOIN connections c ON c.id = m.connection_id
                JOIN drivers d ON d.id = m.driver_id WHERE m.id IN (\(ids: 1))
                """, [.idList(slice)], row: { (id: $0.int(0), org: $0.int(1), state: $0.text(2), email: $0.text(3), connection: $0.text(4), connectionID: $0.int(5)) }) {
                found[row.id] = (row.org, row.state, row.email, row.connection, row.connectionID)
            }
            var changes: [AuditLog.Change] = []
            var events: [DomainEvent] = []
            for id in slice {
                let row = try access.require(.decideMemberships, onRequest: id, found[id]) { $0.org }
                guard row.state == from.rawValue else {
                    throw UserError.conflict("\(row.email) is \(row.state), not \(from.rawValue): reload the page to see the latest.")
                }
                var details = ["connection": row.connection]
                if case .text(let text) = reason { details["reason"] = text }
                if let via { details["via"] = via }
                changes.append(AuditLog.Change(organizationID: row.org, action: decision.auditAction, subject: row.email, details: details))
                var payload: [(String, JSON)] = [("state", .string(to.rawValue))]
                if case .text(let text) = reason { payload.append(("reason", .string(text))) }
                events.append(DomainEvent(decision.event, organization: row.org, connection: row.connectionID, membership: id, payload: .object(payload)))
            }
            try database.run("""
                UPDATE memberships SET state = \(p: 2), denial_reason = \(p: 3), decided_at = \(p: 4), decided_by_user_id = \(p: 5) WHERE id IN (\(ids: 1))
                """, [.idList(slice), .text(to.rawValue), reason, .text(now), access.storedUserID.map { .init($0) } ?? .null])
            try AuditLog(database: database).record(by: access, changes)
            // Each approval starts its membership's length (`MembershipExpiry`), where its connection has one.
            if decision == .approve { try MembershipExpiry(database: database).start(memberships: slice, at: now) }
            try EmailConfirmations(database: database).withdraw(memberships: slice)
            try DriverEmails(database: database).enqueue(decision.email, memberships: slice)
            try DomainEvents(database: database).record(events)
        }
        return ids.count
    }

    /// How many requests `apply` reads and writes a statement.
    static let perSlice = 500

    /// One decision's rows after its audit entry, by nobody in particular: the end of a membership on
    /// time (`MembershipExpiry`, `MembershipReverification`, a removal with its own event), so an
    /// expired driver is told and counted as a removed one, by the same statements as `apply`'s.
    static func write(_ decision: Decision, reason: SQLValue, membership id: Int, organization: Int, connection: Int, now: String,
                      decidedBy: SQLValue, event: DomainEvent.Kind, in database: Database) throws {
        let to = decision.transition.to
        try database.run("""
            UPDATE memberships SET state = \(p: 2), denial_reason = \(p: 3), decided_at = \(p: 4), decided_by_user_id = \(p: 5) WHERE id = \(p: 1)
            """, [.init(id), .text(to.rawValue), reason, .text(now), decidedBy])
        if decision == .approve { try MembershipExpiry(database: database).start(membership: id, at: now) }
        try EmailConfirmations(database: database).withdraw(memberships: [id])
        try DriverEmails(database: database).enqueue(decision.email, memberships: [id])
        var payload: [(String, JSON)] = [("state", .string(to.rawValue))]
        if case .text(let text) = reason { payload.append(("reason", .string(text))) }
        try DomainEvents(database: database).record(DomainEvent(event, organization: organization, connection: connection,
                                                                membership: id, payload: .object(payload)))
    }
}

/// Approves or denies every pending request a queue filter matches, each as `Decide` does one (its
/// role checked, audited, emailed, an event), when exactly the `expected` requests the user confirmed
/// still match; if others match now (one decided or one new meanwhile), nothing changes.
public struct DecideMatching: Command {
    /// The most requests one decision on "every one matching" takes.
    public static let mostAtOnce = 5_000

    public let decision: Decision
    public let filter: RequestQueue.Filter
    public let expected: Int

    public init(_ decision: Decision, matching filter: RequestQueue.Filter, expected: Int) {
        self.decision = decision
        self.filter = filter
        self.expected = expected
    }

    public func run(by access: Access, in database: Database) throws -> Int {
        guard decision.transition.from == .pending else { throw UserError.badRequest("Only waiting requests are decided all at once.") }
        let reason = try Decide.reason(of: decision)
        let queue = RequestQueue(database: database)
        let ids = try queue.ids(filter, limit: Self.mostAtOnce + 1)
        guard !ids.isEmpty else { throw UserError.badRequest("No request matches these filters any more.") }
        guard ids.count <= Self.mostAtOnce else {
            throw UserError.badRequest("Decide on at most \(Self.mostAtOnce) requests at once: narrow the filters first.")
        }
        let changedMeanwhile = UserError.conflict("The requests matching these filters changed meanwhile (\(ids.count) now, "
                                                  + "\(expected) confirmed): look at the queue again.")
        guard ids.count == expected else { throw changedMeanwhile }
        return try database.transaction(locking: try MembershipKeys.connections(of: ids, in: database)) {
            // Read again under the locks: the same requests, all on the connections locked.
            guard try queue.ids(filter, limit: Self.mostAtOnce + 1) == ids else { throw changedMeanwhile }
            return try Decide.apply(decision, reason: reason, to: ids, by: access, in: database)
        }
    }
}
