import Storage

/// A connection's history for its page: the audit entries of its organization that name it (as
/// subject, or as the connection of a decision or a confirmed email), newest first, paged by id.
/// Entries name a connection by its name when they were written, so this reads its current name:
/// an entry from before a rename lists under the old name on the organization's audit log.
public struct ConnectionHistory {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    public static let pageSize = 20

    /// Entries older than `before` (an entry id), at most `limit`.
    public func entries(connectionName: String, organizationID: Int, before: Int?, limit: Int = pageSize) throws -> [AuditLog.Entry] {
        // The details' member as `JSON.text(of:)` writes it, e.g. "connection":"Fleet".
        let member = String(JSON.text(of: ["connection": connectionName]).dropFirst().dropLast())
        return try database.query("""
            SELECT a.id, a.at, a.actor, a.org_id, o.name, a.action, a.subject, a.details
            FROM audit_log a LEFT JOIN organizations o ON o.id = a.org_id
            WHERE a.org_id = \(p: 1) AND (a.subject = \(p: 2) OR \(.position(of: "\(p: 3)", in: "a.details")) > 0)
              AND (a.id < \(p: 4) OR \(p: 4) IS NULL)
            ORDER BY a.id DESC LIMIT \(p: 5)
            """, [.init(organizationID), .text(connectionName), .text(member), before.map { .init($0) } ?? .null, .init(limit)]) {
            AuditLog.Entry(id: $0.int(0), at: $0.text(1), actor: $0.text(2), organizationID: $0.isNull(3) ? nil : $0.int(3),
                           organization: $0.optionalText(4), action: $0.text(5), subject: $0.text(6), details: $0.text(7))
        }
    }
}
