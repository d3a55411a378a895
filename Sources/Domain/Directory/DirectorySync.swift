import Storage

/// A stored version other than the one the caller read (`If-Match`): 412 in SCIM.
public struct DirectoryVersionMismatch: Error, Sendable {}

/// The one place where the directory's users and groups become drivers: the commands of
/// `DirectoryCommands.swift` change rows through `changing`, which reads which connections each
/// touched user should be a driver of before and after the change, and connects or removes the
/// difference, as the host would by hand (the same emails, audit entries and events).
struct DirectorySync {
    let database: Database
    let organization: Int

    /// Runs `change` in one transaction and brings the drivers of the users it touches in step:
    /// those `touching` names before it (read under the locks), and those it returns with its
    /// result (a new user), with the display names it knows.
    func changing<T>(by access: Access, alsoLocking connection: Int? = nil, touching: (DirectorySync) throws -> [Int] = { _ in [] },
                     _ change: (DirectorySync) throws -> (T, [Int], [Int: String])) throws -> T {
        let mapped = try database.query("SELECT DISTINCT connection_id FROM scim_groups WHERE org_id = \(p: 1) AND connection_id IS NOT NULL",
                                        [.init(organization)]) { $0.int(0) }
        let keys: [LockKey] = [.organization(organization)] + Set(mapped + (connection.map { [$0] } ?? [])).sorted().map { .connection($0) }
        return try database.transaction(locking: keys) {
            let known = try touching(self)
            let before = try targets(users: known)
            let (result, added, names) = try change(self)
            let touched = Set(known + added).sorted()
            let after = try targets(users: touched)
            for user in touched {
                let was = before[user], now = after[user]
                // A changed address follows to the driver's row first, so removals and joins find it.
                if let old = was?.email, let new = now?.email, old.lowercased() != new.lowercased() {
                    try followAddress(from: old, to: new)
                }
                let email = now?.email ?? was?.email
                guard let email else { continue }
                for connection in (was?.connections ?? []).subtracting(now?.connections ?? []).sorted() {
                    try remove(email: email, from: connection, by: access)
                }
                for connection in (now?.connections ?? []).sorted() {
                    try connect(email: email, name: names[user] ?? now?.name ?? email, to: connection, by: access)
                }
            }
            return result
        }
    }

    struct Targets {
        var email: String?
        var name: String
        var connections: Set<Int>
    }

    /// For each of these users, their address and the connections they should be a driver of:
    /// active, and a member of a group mapped to it.
    func targets(users: [Int]) throws -> [Int: Targets] {
        guard !users.isEmpty else { return [:] }
        var result: [Int: Targets] = [:]
        for row in try database.query("""
            SELECT u.id, u.email, u.user_name, u.active, g.connection_id FROM scim_users u
            LEFT JOIN scim_group_members m ON m.user_id = u.id LEFT JOIN scim_groups g ON g.id = m.group_id
            WHERE u.org_id = \(p: 1) AND u.id IN (\(ids: 2))
            """, [.init(organization), .idList(users)], row: { (id: $0.int(0), email: $0.optionalText(1), userName: $0.text(2), active: $0.int(3) == 1,
                                 connection: $0.isNull(4) ? nil : $0.int(4)) }) {
            var entry = result[row.id] ?? Targets(email: row.email, name: row.userName, connections: [])
            if row.active, let connection = row.connection { entry.connections.insert(connection) }
            result[row.id] = entry
        }
        return result
    }

    private func followAddress(from old: String, to new: String) throws {
        let valid = try Accounts.validEmail(new)
        let taken = try database.scalarInt("SELECT count(*) FROM drivers WHERE \(caseless: "email") = \(caseless: 1)", [.text(valid)])
        guard taken == 0 else { throw UserError.conflict("Another driver already has the address \(valid).") }
        try database.run("UPDATE drivers SET email = \(p: 2) WHERE \(caseless: "email") = \(caseless: 1)", [.text(old), .text(valid)])
    }

    private func remove(email: String, from connection: Int, by access: Access) throws {
        guard let membership = try database.query("""
            SELECT m.id FROM memberships m JOIN drivers d ON d.id = m.driver_id
            WHERE m.connection_id = \(p: 1) AND \(caseless: "d.email") = \(caseless: 2) AND m.state = 'Connected'
            """, [.init(connection), .text(email)], row: { $0.int(0) }).first else { return }
        _ = try Decide.apply(.remove, reason: .null, to: [membership], by: access, in: database)
    }

    /// Connected at once, whatever the connection's approval rule: the directory is the proof.
    private func connect(email: String, name: String, to connection: Int, by access: Access) throws {
        // An address the driver pages would refuse cannot be a driver: the user stays in the directory only.
        guard let email = try? Accounts.validEmail(email) else { return }
        let name = String(name.trimmingCharacters(in: .whitespacesAndNewlines).prefix(200))
        let now = DateText.now()
        var driver = try database.query("SELECT id FROM drivers WHERE \(caseless: "email") = \(caseless: 1)", [.text(email)]) { $0.int(0) }.first
        if driver == nil {
            driver = try database.insertReturningID("INSERT INTO drivers (name, email, created_at) VALUES (\(p: 1), \(p: 2), \(p: 3))",
                                                    [.text(name.isEmpty ? email : name), .text(email), .text(now)])
        }
        let existing = try database.query("SELECT id, state FROM memberships WHERE connection_id = \(p: 1) AND driver_id = \(p: 2)",
                                          [.init(connection), .init(driver!)]) { (id: $0.int(0), state: $0.text(1)) }.first
        if existing?.state == MembershipState.connected.rawValue { return }
        if let existing, existing.state == MembershipState.pending.rawValue {
            _ = try Decide.apply(.approve, reason: .null, to: [existing.id], by: access, in: database)
            return
        }
        let membership: Int
        if let existing {
            membership = existing.id
            try database.run("""
                UPDATE memberships SET state = 'Connected', denial_reason = NULL, decided_at = \(p: 2), decided_by_user_id = NULL WHERE id = \(p: 1)
                """, [.init(membership), .text(now)])
            try EmailConfirmations(database: database).withdraw(membership: membership)
        } else {
            membership = try database.insertReturningID("""
                INSERT INTO memberships (connection_id, driver_id, driver_name, state, requested_at, decided_at)
                VALUES (\(p: 1), \(p: 2), \(p: 3), 'Connected', \(p: 4), \(p: 4))
                """, [.init(connection), .init(driver!), .text(name.isEmpty ? email : name), .text(now)])
            _ = try StatusLinks(database: database).issue(membership: membership)
        }
        let connectionName = try database.query("SELECT name FROM connections WHERE id = \(p: 1)", [.init(connection)]) { $0.text(0) }.first ?? ""
        try AuditLog(database: database).record(by: access, organizationID: organization, action: Decision.approve.auditAction, subject: email,
                                               details: ["connection": connectionName])
        try DriverEmails(database: database).enqueue(.requestApproved, membership: membership)
        try DomainEvents(database: database).record(DomainEvent(.requestApproved, organization: organization, connection: connection,
                                                                membership: membership, payload: ["state": .string(MembershipState.connected.rawValue)]))
    }

    // MARK: checks the commands share

    static func checked(_ user: DirectoryUser) throws -> DirectoryUser {
        var user = user
        user.userName = user.userName.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...254).contains(StoredText.length(user.userName)) else { throw UserError.badRequest("userName is required (1 to 254 characters).") }
        if let email = user.email { user.email = try Accounts.validEmail(email) }
        return user
    }

    func members(of group: Int) throws -> [Int] {
        try database.query("SELECT user_id FROM scim_group_members WHERE group_id = \(p: 1)", [.init(group)]) { $0.int(0) }
    }

    func requireUser(_ id: Int, version: Int?) throws {
        guard let stored = try database.query("SELECT version FROM scim_users WHERE id = \(p: 1) AND org_id = \(p: 2)",
                                              [.init(id), .init(organization)], row: { $0.int(0) }).first else {
            throw UserError.notFound("There is no user \(id).")
        }
        if let version, version != stored { throw DirectoryVersionMismatch() }
    }

    func requireGroup(_ id: Int, version: Int?) throws {
        guard let stored = try database.query("SELECT version FROM scim_groups WHERE id = \(p: 1) AND org_id = \(p: 2)",
                                              [.init(id), .init(organization)], row: { $0.int(0) }).first else {
            throw UserError.notFound("There is no group \(id).")
        }
        if let version, version != stored { throw DirectoryVersionMismatch() }
    }

    /// Every member named is a user of this organization: another's id is as unknown as a missing one.
    func requireUsers(_ ids: [Int]) throws {
        guard !ids.isEmpty else { return }
        let known = try database.scalarInt("SELECT count(*) FROM scim_users WHERE org_id = \(p: 1) AND id IN (\(ids: 2))",
                                           [.init(organization), .idList(ids)])
        guard known == ids.count else { throw UserError.badRequest("A member named is not a user of this directory.") }
    }

    /// A userName taken in this organization is SCIM's 409 "uniqueness".
    func unique<T>(_ write: () throws -> T) throws -> T {
        do { return try write() } catch let error as StorageError where error.isUniqueViolation {
            throw UserError.conflict("A user with this userName already exists.")
        }
    }
}
