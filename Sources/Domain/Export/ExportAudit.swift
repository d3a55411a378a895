import Storage

/// An export's audit entry, written when the export starts (what, by whom, its filters and format)
/// and completed with its row count at the end, so an export cut short by a killed process still
/// leaves its trace: an entry never completed reads "did not finish".
public struct ExportAudit: Sendable {
    let access: Access
    let organizationID: Int?
    let format: String
    let started: [String: String]
    /// How the subject writes the row count ("12,345": the console's number format).
    let rowCount: @Sendable (Int) -> String

    public static let action = "Exported connections"
    public static let unfinished = "did not finish"

    public init(by access: Access, organizationID: Int?, format: ExportFormat, columns: [Column], filters: FilterSet,
                rowCount: @escaping @Sendable (Int) -> String) {
        self.access = access
        self.rowCount = rowCount
        self.organizationID = organizationID
        self.format = format.rawValue.uppercased()
        started = ["format": self.format, "columns": columns.map(\.key).joined(separator: ","),
                   "filters": filters.applicable.isEmpty ? "none" : filters.sentence]
    }

    /// Writes the entry as "did not finish" (until `finish` says otherwise); returns its id.
    /// (`StartExport` runs it, with an event for each organization whose rows it holds.)
    public func start(in database: Database, organizations: [Int] = []) throws -> Int {
        // In a transaction like every write: it waits for another writer's lock within the write gate.
        try database.transaction(locking: []) {
            let entry = try AuditLog(database: database).record(by: access, organizationID: organizationID, action: Self.action,
                                                               subject: "\(format), \(Self.unfinished)", details: started)
            for organization in organizations {
                try DomainEvents(database: database).record(DomainEvent(.exportStarted, organization: organization,
                                                                        payload: ["format": .string(format), "audit_entry": .int(entry)]))
            }
            return entry
        }
    }

    /// Completes the entry `start` wrote, or (when it could not be written) writes the whole of it now.
    public func finish(_ entry: Int?, _ outcome: ConnectionExport.Outcome, in database: Database) throws {
        var details = started.merging(["rows": String(outcome.rows), "complete": outcome.complete ? "yes" : "no"]) { $1 }
        if let problem = outcome.problem { details["problem"] = problem }
        let subject = "\(rowCount(outcome.rows)) rows as \(format)"
        try database.transaction(locking: []) {
            let log = AuditLog(database: database)
            if let entry {
                if let token = access.tokenName { details["api_token"] = token }
                try log.complete(entry, subject: subject, details: details)
            } else {
                try log.record(by: access, organizationID: organizationID, action: Self.action, subject: subject, details: details)
            }
        }
    }
}
