import Storage

/// Someone starts an export of the organizations' rows: its audit entry is written as "did not
/// finish" (`ExportAudit.finish` completes it with the row count) with an event per organization.
/// The outcome is the audit entry's id.
public struct StartExport: Command {
    public let audit: ExportAudit
    public let organizations: [Int]

    public init(_ audit: ExportAudit, organizations: [Int]) {
        self.audit = audit
        self.organizations = organizations
    }

    public func run(by access: Access, in database: Database) throws -> Int {
        for organization in organizations { try access.require(.export, in: organization) }
        return try audit.start(in: database, organizations: organizations)
    }
}
