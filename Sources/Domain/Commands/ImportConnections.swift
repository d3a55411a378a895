import Storage

/// A host imports the connections table's export back, edited: each new row is a `CreateConnection`,
/// each changed one an `UpdateConnection` at the version the plan read, all in one transaction with
/// an audit entry and an `import.completed` event per organization: all or none. With `expected`
/// (the digest of a previewed plan), a different plan applies nothing (`ConnectionImportChanged`).
public struct ImportConnections: Command {
    public let file: ImportFile
    public let expected: String?
    public let inviteURL: @Sendable (String) -> String

    public init(_ file: ImportFile, expected: String?, inviteURL: @escaping @Sendable (String) -> String) {
        self.file = file
        self.expected = expected
        self.inviteURL = inviteURL
    }

    public func preview(by access: Access, in database: Database) throws -> ConnectionPlan {
        try ConnectionPlan.make(file, by: access, inviteURL: inviteURL, in: database)
    }

    public func run(by access: Access, in database: Database) throws -> ConnectionPlan {
        let organizations = access.organizations(allowing: .manageConnections).sorted()
        guard !organizations.isEmpty else { throw UserError.forbidden("Your roles do not allow changing connections.") }
        return try database.transaction(locking: organizations.map { .organization($0) }) {
            let plan = try ConnectionPlan.make(file, by: access, inviteURL: inviteURL, in: database)
            if let expected, expected != plan.digest { throw ConnectionImportChanged(plan: plan) }
            guard plan.invalid.isEmpty else {
                throw UserError.badRequest("The file has \(plan.invalid.count) invalid rows: correct them and upload it again. Nothing was imported.")
            }
            for entry in plan.new { _ = try CreateConnection(organizationID: entry.organizationID, entry.settings).run(by: access, in: database) }
            for entry in plan.changed {
                _ = try UpdateConnection(connectionID: entry.existing!.id, version: entry.existing!.version, replacingWith: entry.settings)
                    .run(by: access, in: database)
            }
            let touched = Set((plan.new + plan.changed).map(\.organizationID)).sorted()
            for organization in touched {
                let new = plan.new.filter { $0.organizationID == organization }.count
                let changed = plan.changed.filter { $0.organizationID == organization }.count
                try AuditLog(database: database).record(by: access, organizationID: organization, action: "Imported connections", subject: file.name,
                                                       details: ["file": file.name, "sha256": plan.fileHash, "new": String(new), "changed": String(changed)])
                try DomainEvents(database: database).record(DomainEvent(.importCompleted, organization: organization, payload: .object([
                    ("mode", "connections"), ("file_sha256", .string(plan.fileHash)), ("new", .int(new)), ("changed", .int(changed))])))
            }
            return plan
        }
    }
}

/// The connections or the file changed between the preview and its confirmation: nothing was
/// applied, and `plan` is what the file would do now.
public struct ConnectionImportChanged: Error, Sendable {
    public let plan: ConnectionPlan
}
