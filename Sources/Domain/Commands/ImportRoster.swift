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
        // A file of many thousand rows writes a few hundred each statement, which can take longer
        // than a request's statement timeout on PostgreSQL (its indexes' pending lists flushed).
        return try database.withoutStatementTimeout { try database.transaction(locking: [.organization(connection.organizationID), .connection(connectionID)]) {
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
                for start in stride(from: 0, to: plan.new.count, by: Decide.perSlice) {
                    waiting += try Self.requests(plan.new[start..<min(start + Decide.perSlice, plan.new.count)], connectionID: connectionID,
                                                 questions: connection.questions, in: database)
                }
                _ = try Decide.apply(.approve, reason: .null, to: waiting, by: access, in: database, via: via)
            }
            _ = try Decide.apply(.remove, reason: .null, to: plan.removed.compactMap(\.membershipID), by: access, in: database, via: via)
            var details = ["file": file.name, "sha256": plan.fileHash, "mode": mode.label, AuditLog.connectionKey: String(connectionID)]
            for (group, count) in plan.counts where group != "invalid" { details[group] = String(count) }
            try AuditLog(database: database).record(by: access, organizationID: connection.organizationID, action: "Imported drivers",
                                                   subject: connection.name, details: details)
            try DomainEvents(database: database).record(DomainEvent(.importCompleted, organization: connection.organizationID, connection: connectionID,
                                                                    payload: .object([("mode", .string(mode.rawValue)), ("file_sha256", .string(plan.fileHash))]
                                                                                     + plan.counts.filter { $0.0 != "invalid" }.map { ($0.0, .int($0.1)) })))
            return plan
        } }
    }

    /// The connection, once the caller's role allows what the mode does there.
    static func connection(_ id: Int, mode: ImportMode, access: Access, in database: Database) throws -> (organizationID: Int, name: String, questions: [String]) {
        let connection = try Roster(database: database).connection(id)
        for permission in mode.permissions { try access.require(permission, onConnection: id, ownedBy: connection.organizationID) }
        return connection
    }

    /// A waiting request for each driver the file brings (the driver row shared by address, as a
    /// request to join makes it), with the file's answers; `Decide` then connects them. A few
    /// statements for the whole slice: its drivers read, the missing ones added, its requests added.
    static func requests(_ entries: ArraySlice<RosterPlan.Entry>, connectionID: Int, questions: [String], in database: Database) throws -> [Int] {
        let now = DateText.now()
        // Addresses compare as the schema's caseless columns do: ASCII letters folded.
        func folded(_ email: String) -> String { String(decoding: email.utf8.map { (65...90).contains($0) ? $0 + 32 : $0 }, as: UTF8.self) }
        func drivers() throws -> [String: Int] {
            Dictionary(try database.query("""
                SELECT email, id FROM drivers WHERE \(caseless: "email") IN \(SQLFragment.list(entries.map { .text(folded($0.email)) }))
                """, row: { (folded($0.text(0)), $0.int(1)) }), uniquingKeysWith: { first, _ in first })
        }
        var driverIDs = try drivers()
        let missing = entries.filter { driverIDs[folded($0.email)] == nil }
        if !missing.isEmpty {
            try database.insertRows(into: "drivers", columns: ["name", "email", "created_at"], rows: missing.map { [.text($0.name), .text($0.email), .text(now)] })
            driverIDs = try drivers()
        }
        try database.insertRows(into: "memberships", columns: ["connection_id", "driver_id", "driver_name", "state", "requested_at"], rows: try entries.map {
            guard let driver = driverIDs[folded($0.email)] else { throw UserError.conflict("\($0.email) could not be added: try the import again.") }
            return [.init(connectionID), .init(driver), .text($0.name), .text("Pending"), .text(now)]
        })
        let byDriver = Dictionary(try database.query("""
            SELECT driver_id, id FROM memberships WHERE connection_id = \(p: 1) AND driver_id IN (\(ids: 2))
            """, [.init(connectionID), .idList(entries.compactMap { driverIDs[folded($0.email)] })], row: { ($0.int(0), $0.int(1)) }),
                                  uniquingKeysWith: { first, _ in first })
        var memberships: [Int] = []
        var answers: [[SQLValue]] = []
        for entry in entries {
            guard let membership = driverIDs[folded(entry.email)].flatMap({ byDriver[$0] }) else {
                throw UserError.conflict("\(entry.email) could not be added: try the import again.")
            }
            memberships.append(membership)
            for (position, answer) in entry.answers.enumerated() where !answer.isEmpty {
                answers.append([.init(membership), .init(position), .text(questions[position]), .text(answer)])
            }
        }
        for start in stride(from: 0, to: answers.count, by: Decide.perSlice) {
            try database.insertRows(into: "membership_answers", columns: ["membership_id", "position", "prompt", "answer"],
                                    rows: Array(answers[start..<min(start + Decide.perSlice, answers.count)]))
        }
        return memberships
    }
}

/// The roster or the file changed between the preview and its confirmation: nothing was applied,
/// and `plan` is what the file would do now.
public struct ImportPlanChanged: Error, Sendable {
    public let plan: RosterPlan
}
