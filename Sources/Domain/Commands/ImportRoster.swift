import Storage

/// A host imports a connection's roster from a file: a batch of the same commands a host runs one
/// by one (`SendInvites` for Add, `Decide`'s approval for Add and connect, its removal for Replace),
/// in one transaction with the import's own audit entry and `import.completed` event: all or none.
/// The plan is worked out again under the connection's lock; with `expected` (the digest of the
/// plan a user previewed) anything different applies nothing and throws `ImportPlanChanged`.
public struct ImportRoster: Command {
    public let file: ImportFile
    public let mode: ImportMode
    public let connectionID: Int
    public let expected: String?
    public let dailyLimit: Int

    public init(_ file: ImportFile, mode: ImportMode, connectionID: Int, expected: String?, dailyLimit: Int = EmailInvites.perOrganizationPerDay) {
        self.file = file
        self.mode = mode
        self.connectionID = connectionID
        self.expected = expected
        self.dailyLimit = dailyLimit
    }

    /// The plan, written nowhere: a preview (or the API's dry run).
    public func preview(by access: Access, in database: Database) throws -> RosterPlan {
        let connection = try Self.connection(connectionID, mode: mode, access: access, in: database)
        return try RosterPlan.make(file, mode: mode, connectionID: connectionID, questions: connection.questions, in: database)
    }

    public func run(by access: Access, in database: Database) throws -> RosterPlan {
        let connection = try Self.connection(connectionID, mode: mode, access: access, in: database)
        return try database.transaction(locking: [.organization(connection.organizationID), .connection(connectionID)]) {
            let plan = try RosterPlan.make(file, mode: mode, connectionID: connectionID, questions: connection.questions, in: database)
            if let expected, expected != plan.digest { throw ImportPlanChanged(plan: plan) }
            guard plan.invalid.isEmpty else {
                throw UserError.badRequest("The file has \(plan.invalid.count) invalid rows: correct them and upload it again. Nothing was imported.")
            }
            let via = "import of \(file.name.isEmpty ? "a file" : file.name)"
            for batch in stride(from: 0, to: plan.new.count, by: EmailInvites.perBatch) where mode != .addAndConnect {
                let addresses = plan.new[batch..<min(batch + EmailInvites.perBatch, plan.new.count)].map(\.email)
                _ = try SendInvites(addresses.joined(separator: "\n"), connectionID: connectionID, dailyLimit: dailyLimit).run(by: access, in: database)
            }
            if mode == .addAndConnect {
                var waiting = plan.changed.compactMap(\.membershipID)
                for entry in plan.new {
                    waiting.append(try Self.request(entry, connectionID: connectionID, questions: connection.questions, in: database))
                }
                _ = try Decide.apply(.approve, reason: .null, to: waiting, by: access, in: database, via: via)
            }
            _ = try Decide.apply(.remove, reason: .null, to: plan.removed.compactMap(\.membershipID), by: access, in: database, via: via)
            var details = ["file": file.name, "sha256": plan.fileHash, "mode": mode.label]
            for (group, count) in plan.counts where group != "invalid" { details[group] = String(count) }
            try AuditLog(database: database).record(by: access, organizationID: connection.organizationID, action: "Imported drivers",
                                                   subject: connection.name, details: details)
            try DomainEvents(database: database).record(DomainEvent(.importCompleted, organization: connection.organizationID, connection: connectionID,
                                                                    payload: .object([("mode", .string(mode.rawValue)), ("file_sha256", .string(plan.fileHash))]
                                                                                     + plan.counts.filter { $0.0 != "invalid" }.map { ($0.0, .int($0.1)) })))
            return plan
        }
    }

    /// The connection, once the caller's role allows what the mode does there.
    static func connection(_ id: Int, mode: ImportMode, access: Access, in database: Database) throws -> (organizationID: Int, name: String, questions: [String]) {
        let connection = try Roster(database: database).connection(id)
        for permission in mode.permissions { try access.require(permission, onConnection: id, ownedBy: connection.organizationID) }
        return connection
    }

    /// A waiting request for a driver the file brings (the driver row shared by address, as a
    /// request to join makes it), with the file's answers; `Decide` then connects it.
    static func request(_ entry: RosterPlan.Entry, connectionID: Int, questions: [String], in database: Database) throws -> Int {
        let now = DateText.now()
        let driver = try database.query("SELECT id FROM drivers WHERE \(caseless: "email") = \(caseless: 1)", [.text(entry.email)]) { $0.int(0) }.first
            ?? database.insertReturningID("INSERT INTO drivers (name, email, created_at) VALUES (\(p: 1), \(p: 2), \(p: 3))",
                                          [.text(entry.name), .text(entry.email), .text(now)])
        let membership = try database.insertReturningID("""
            INSERT INTO memberships (connection_id, driver_id, driver_name, state, requested_at) VALUES (\(p: 1), \(p: 2), \(p: 3), 'Pending', \(p: 4))
            """, [.init(connectionID), .init(driver), .text(entry.name), .text(now)])
        let answered = entry.answers.enumerated().filter { !$0.element.isEmpty }
        try database.insertRows(into: "membership_answers", columns: ["membership_id", "position", "prompt", "answer"],
                                rows: answered.map { [.init(membership), .init($0.offset), .text(questions[$0.offset]), .text($0.element)] })
        return membership
    }
}

/// The roster or the file changed between the preview and its confirmation: nothing was applied,
/// and `plan` is what the file would do now.
public struct ImportPlanChanged: Error, Sendable {
    public let plan: RosterPlan
}
