import Foundation
import Storage

/// The audit log: who did what, when, in which organization.
public struct AuditLog {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    public struct Entry: Sendable {
        public let id: Int
        /// As stored: "2026-11-25T14:30:00Z".
        public let at: String
        public let actor: String
        public let organizationID: Int?
        public let organization: String?
        public let action: String
        public let subject: String
        public let details: String
    }

    /// Returns the entry's id.
    @discardableResult
    public func record(actorID: Int?, actor: String, organizationID: Int?, action: String, subject: String = "",
                       details: [String: String] = [:]) throws -> Int {
        try database.insertReturningID("""
            INSERT INTO audit_log (at, user_id, actor, org_id, action, subject, details) VALUES (\(p: 1), \(p: 2), \(p: 3), \(p: 4), \(p: 5), \(p: 6), \(p: 7))
            """, [.text(DateText.now()), actorID.map { .init($0) } ?? .null, .text(actor),
                  organizationID.map { .init($0) } ?? .null, .text(action), .text(subject), .text(JSON.text(of: details))])
    }

    /// Completes an entry written when something began (an export): what it came to.
    func complete(_ id: Int, subject: String, details: [String: String]) throws {
        try database.run("UPDATE audit_log SET subject = \(p: 2), details = \(p: 3) WHERE id = \(p: 1)", [.init(id), .text(subject), .text(JSON.text(of: details))])
    }

    /// A change made by a signed-in user or an API token: the token's name is in the actor and the details.
    @discardableResult
    public func record(by access: Access, organizationID: Int?, action: String, subject: String = "",
                       details: [String: String] = [:]) throws -> Int {
        try record(actorID: access.storedUserID, actor: access.actor, organizationID: organizationID, action: action, subject: subject,
                   details: Self.details(details, by: access))
    }

    /// The details' key of the connection an entry's change is on (an import): the log links to its page.
    public static let connectionKey = "connection_id"

    /// One entry a change of a batch (an import's thousands), a statement per few hundred.
    struct Change {
        let organizationID: Int?
        let action: String
        let subject: String
        let details: [String: String]
    }

    func record(by access: Access, _ changes: [Change]) throws {
        let now = DateText.now()
        for slice in stride(from: 0, to: changes.count, by: 500) {
            try database.insertRows(into: "audit_log", columns: ["at", "user_id", "actor", "org_id", "action", "subject", "details"],
                                    rows: changes[slice..<min(slice + 500, changes.count)].map {
                [.text(now), access.storedUserID.map { .init($0) } ?? .null, .text(access.actor), $0.organizationID.map { .init($0) } ?? .null,
                 .text($0.action), .text($0.subject), .text(JSON.text(of: Self.details($0.details, by: access)))]
            })
        }
    }

    private static func details(_ details: [String: String], by access: Access) -> [String: String] {
        var details = details
        if let token = access.tokenName { details["api_token"] = token }
        return details
    }

    /// Newest first: the entries of the organizations given, and the entries of no one organization
    /// (sign-ins, exports across organizations) of users who belong to none but those: an Admin of
    /// one organization never reads what a member did in others.
    public func page(organizations: [Int], page: Int, pageSize: Int) throws -> (entries: [Entry], total: Int) {
        let scope: SQLFragment = """
            (a.org_id IN (\(ids: 1))
             OR (a.org_id IS NULL AND a.user_id IN (SELECT user_id FROM user_roles WHERE org_id IN (\(ids: 1)))
                 AND NOT EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = a.user_id
                                 AND r.org_id NOT IN (\(ids: 1)))))
            """
        let ids = SQLValue.idList(organizations)
        let total = try database.scalarInt("SELECT count(*) FROM audit_log a WHERE \(scope)", [ids])
        let entries = try database.query("""
            SELECT a.id, a.at, a.actor, a.org_id, o.name, a.action, a.subject, a.details
            FROM audit_log a LEFT JOIN organizations o ON o.id = a.org_id
            WHERE \(scope) ORDER BY a.id DESC LIMIT \(p: 2) OFFSET \(p: 3)
            """, [ids, .init(pageSize), .init((page - 1) * pageSize)]) {
            Entry(id: $0.int(0), at: $0.text(1), actor: $0.text(2), organizationID: $0.isNull(3) ? nil : $0.int(3), organization: $0.optionalText(4),
                  action: $0.text(5), subject: $0.text(6), details: $0.text(7))
        }
        return (entries, total)
    }
}
