import Storage

/// A driver's request or membership as the host's requests page lists it.
public struct MembershipRow: Sendable {
    public let id: Int
    public let connectionID: Int
    public let connectionName: String
    public let organizationID: Int
    /// The organization's name: connection names repeat across organizations.
    public let organizationName: String
    /// The name the driver typed with this request.
    public let driverName: String
    public let email: String
    /// The connection approves by email domain and this email's domain is on its allow-list. Not
    /// an approval: nobody has shown they read the address, so the host decides.
    public let emailDomainMatches: Bool
    /// A confirmation link was emailed to the address and has not been opened yet ("email not confirmed").
    public let awaitingEmailConfirmation: Bool
    public let state: MembershipState
    public let requestedAt: String
    public let answers: [(prompt: String, answer: String)]
}

public enum Decision: Sendable, Equatable {
    case approve
    case deny(reason: String)
    case remove

    /// The state a decision starts from, and the state it leaves.
    var transition: (from: MembershipState, to: MembershipState) {
        switch self {
        case .approve: return (.pending, .connected)
        case .deny: return (.pending, .denied)
        case .remove: return (.connected, .removed)
        }
    }

    /// What the driver is told by email.
    var email: EmailKind {
        switch self {
        case .approve: return .requestApproved
        case .deny: return .requestDenied
        case .remove: return .driverRemoved
        }
    }

    var auditAction: String {
        switch self {
        case .approve: return "Approved driver"
        case .deny: return "Denied driver"
        case .remove: return "Removed driver"
        }
    }
}

/// The host's side: requests waiting, and decisions on them. Connected Drivers and Pending
/// Requests follow by the schema's triggers.
public struct MembershipDecisions {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    public static let listLimit = 200
    /// The most memberships one decision takes, and the longest denial reason (as the schema's CHECK counts it).
    public static let mostAtOnce = 500
    public static let longestReason = 500

    /// How many memberships in `state` the given connections (or organizations) hold.
    public func count(state: MembershipState, organizations: [Int], connectionID: Int?) throws -> Int {
        try database.scalarInt("""
            SELECT count(*) FROM memberships m JOIN connections c ON c.id = m.connection_id
            WHERE \(Self.scope)
            """, [.text(state.rawValue), .idList(organizations), connectionID.map { .init($0) } ?? .null])
    }

    static let scope: SQLFragment = "m.state = \(p: 1) AND c.org_id IN (\(ids: 2)) AND (c.id = \(p: 3) OR \(p: 3) IS NULL)"

    /// Memberships in `state` of the given connections (or every connection of `organizations`), oldest
    /// first; `after` (a request time and id) continues a list where its last page ended.
    public func list(state: MembershipState, organizations: [Int], connectionID: Int?, limit: Int = listLimit,
                     after: (requestedAt: String, id: Int)? = nil) throws -> [MembershipRow] {
        var conditions: [SQLFragment] = ["m.state = \(bind: .text(state.rawValue))", "c.org_id IN (\(ids: organizations))"]
        if let connectionID { conditions.append("c.id = \(bind: .init(connectionID))") }
        if let after { conditions.append("(m.requested_at, m.id) > (\(bind: .text(after.requestedAt)), \(bind: .init(after.id)))") }
        return try rows(where: .joined(conditions, separator: " AND "), order: "m.requested_at, m.id", limit: limit)
    }

    /// The memberships `condition` selects (over `m`, `c`, `d` and `o`), in `order`, with their answers.
    func rows(where condition: SQLFragment, order: SQLFragment, limit: Int) throws -> [MembershipRow] {
        let rows = try database.query("""
            SELECT m.id, c.id, c.name, c.org_id, o.name, m.driver_name, d.email, m.state, m.requested_at,
                \(JoinRequests.domainMatches(connection: "c", email: "d.email")),
                EXISTS (SELECT 1 FROM email_confirmations e WHERE e.membership_id = m.id AND e.confirmed_at IS NULL)
            FROM memberships m JOIN connections c ON c.id = m.connection_id JOIN drivers d ON d.id = m.driver_id
                JOIN organizations o ON o.id = c.org_id
            WHERE \(condition) ORDER BY \(order) LIMIT \(bind: .init(limit))
            """) {
            (id: $0.int(0), connection: $0.int(1), name: $0.text(2), org: $0.int(3), orgName: $0.text(4), driver: $0.text(5), email: $0.text(6),
             state: try $0.decode(MembershipState.self, 7, table: "memberships", key: "id \($0.int(0))"), at: $0.text(8),
             domainMatches: $0.int(9) != 0, confirming: $0.int(10) != 0)
        }
        // Every row's answers in one query.
        var answers: [Int: [(prompt: String, answer: String)]] = [:]
        if !rows.isEmpty {
            for answer in try database.query("""
                SELECT membership_id, prompt, answer FROM membership_answers WHERE membership_id IN (\(ids: 1)) ORDER BY membership_id, position
                """, [.idList(rows.map(\.id))], row: { (id: $0.int(0), prompt: $0.text(1), answer: $0.text(2)) }) {
                answers[answer.id, default: []].append((answer.prompt, answer.answer))
            }
        }
        return rows.map { row in
            MembershipRow(id: row.id, connectionID: row.connection, connectionName: row.name, organizationID: row.org,
                          organizationName: row.orgName, driverName: row.driver, email: row.email, emailDomainMatches: row.domainMatches,
                          awaitingEmailConfirmation: row.confirming, state: row.state, requestedAt: row.at, answers: answers[row.id] ?? [])
        }
    }

    /// Applies one decision to several memberships, all or none; each is checked against the
    /// user's role in its organization, audited, and told to the driver by email. Returns how many changed.
    public func decide(_ ids: [Int], _ decision: Decision, by access: Access) throws -> Int {
        guard !ids.isEmpty else { throw UserError.badRequest("Select at least one driver.") }
        guard ids.count <= Self.mostAtOnce else { throw UserError.badRequest("Decide on at most \(Self.mostAtOnce) drivers at once.") }
        let reason = try Self.reason(of: decision)
        return try database.transaction(locking: try MembershipKeys.connections(of: ids, in: database)) {
            try apply(decision, reason: reason, to: ids, by: access)
        }
    }

    /// A denial's reason as stored (null for the other decisions), or why it cannot be: pages ask
    /// before a second question, so that a slip is said before, not after it.
    public static func reason(of decision: Decision) throws -> SQLValue {
        guard case .deny(let typed) = decision else { return .null }
        let text = typed.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\r\n", with: "\n")
        // Counted as the schema's CHECK counts it.
        guard (1...Self.longestReason).contains(StoredText.length(text)) else {
            throw UserError.badRequest("Give the driver a reason for the denial (up to \(Self.longestReason) characters).")
        }
        // The driver reads it on their status page and in an email: line breaks, but no other control
        // character or direction override.
        guard !StoredText.hasControlCharacter(text.replacingOccurrences(of: "\n", with: "")) else {
            throw UserError.badRequest("The reason may hold line breaks, but no other control characters or direction overrides.")
        }
        return .text(text)
    }

    /// The most requests one decision on "every one matching" takes.
    public static let mostMatchingAtOnce = 5_000

    /// Approves or denies every pending request `filter` matches, each as `decide` does one (its
    /// role checked, audited, emailed), when exactly the `expected` requests the user confirmed still
    /// match; if others match now (one decided or one new meanwhile), nothing changes.
    public func decide(matching filter: RequestQueue.Filter, expected: Int, _ decision: Decision, by access: Access) throws -> Int {
        guard decision.transition.from == .pending else { throw UserError.badRequest("Only waiting requests are decided all at once.") }
        let reason = try Self.reason(of: decision)
        let queue = RequestQueue(database: database)
        let ids = try queue.ids(filter, limit: Self.mostMatchingAtOnce + 1)
        guard !ids.isEmpty else { throw UserError.badRequest("No request matches these filters any more.") }
        guard ids.count <= Self.mostMatchingAtOnce else {
            throw UserError.badRequest("Decide on at most \(Self.mostMatchingAtOnce) requests at once: narrow the filters first.")
        }
        let changedMeanwhile = UserError.conflict("The requests matching these filters changed meanwhile (\(ids.count) now, "
                                                  + "\(expected) confirmed): look at the queue again.")
        guard ids.count == expected else { throw changedMeanwhile }
        return try database.transaction(locking: try MembershipKeys.connections(of: ids, in: database)) {
            // Read again under the locks: the same requests, all on the connections locked.
            guard try queue.ids(filter, limit: Self.mostMatchingAtOnce + 1) == ids else { throw changedMeanwhile }
            return try apply(decision, reason: reason, to: ids, by: access)
        }
    }

    /// The decision on each of `ids`, inside the caller's transaction, which locks their connections.
    func apply(_ decision: Decision, reason: SQLValue, to ids: [Int], by access: Access) throws -> Int {
        let (from, to) = decision.transition
        let now = DateText.now()
        var changed = 0
        for id in Set(ids).sorted() {
            let row = try access.require(.decideMemberships, onRequest: id, try database.query("""
                SELECT c.org_id, m.state, d.email, c.name FROM memberships m JOIN connections c ON c.id = m.connection_id
                JOIN drivers d ON d.id = m.driver_id WHERE m.id = \(p: 1)
                """, [.init(id)], row: { (org: $0.int(0), state: $0.text(1), email: $0.text(2), connection: $0.text(3)) }).first) { $0.org }
            guard row.state == from.rawValue else {
                throw UserError.conflict("\(row.email) is \(row.state), not \(from.rawValue): reload the page to see the latest.")
            }
            try database.run("""
                UPDATE memberships SET state = \(p: 2), denial_reason = \(p: 3), decided_at = \(p: 4), decided_by_user_id = \(p: 5) WHERE id = \(p: 1)
                """, [.init(id), .text(to.rawValue), reason, .text(now), .init(access.userID)])
            var details = ["connection": row.connection]
            if case .text(let text) = reason { details["reason"] = text }
            try AuditLog(database: database).record(by: access, organizationID: row.org,
                                                   action: decision.auditAction, subject: row.email, details: details)
            try EmailConfirmations(database: database).withdraw(membership: id)
            try DriverEmails(database: database).enqueue(decision.email, membership: id)
            changed += 1
        }
        return changed
    }
}
