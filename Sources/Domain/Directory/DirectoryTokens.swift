import Foundation
import Storage

/// The SCIM tokens of an organization's identity provider: made by an Admin on the Directory sync
/// page, shown once, stored as their hash (`Secret`, the same kernel as API tokens), revoked by
/// deletion. A token belongs to an organization, not to the Admin who made it, so that the
/// directory keeps working when that person leaves.
public struct DirectoryTokens {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    public struct Token: Sendable {
        public let id: Int
        public let name: String
        public let createdAt: String
        public let lastUsedAt: String?
    }

    /// Recognizable in a leak, like the API's `cnx_`.
    public static let prefix = "scim_"
    public static let mostPerOrganization = 5

    public func create(name: String, organization: Int, by access: Access) throws -> String {
        try access.require(.manageUsers, in: organization)
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard StoredText.isLine(name, upTo: APITokens.longestName) else {
            throw UserError.badRequest("Name the token (1 to \(APITokens.longestName) characters, on one line), after the identity provider that will use it.")
        }
        let token = Self.prefix + Secret.generate()
        return try database.transaction(locking: [.organization(organization)]) {
            let held = try database.scalarInt("SELECT count(*) FROM scim_tokens WHERE org_id = \(p: 1)", [.init(organization)])
            guard held < Self.mostPerOrganization else {
                throw UserError.conflict("This organization already has \(Self.mostPerOrganization) SCIM tokens: revoke one first.")
            }
            _ = try database.insertReturningID("""
                INSERT INTO scim_tokens (org_id, name, token_hash, created_by, created_at) VALUES (\(p: 1), \(p: 2), \(p: 3), \(p: 4), \(p: 5))
                """, [.init(organization), .text(name), .text(Secret.hash(token)), access.storedUserID.map { .init($0) } ?? .null, .text(DateText.now())])
            try AuditLog(database: database).record(by: access, organizationID: organization, action: "SCIM token created", subject: name)
            return token
        }
    }

    public func list(organization: Int) throws -> [Token] {
        try database.query("""
            SELECT id, name, created_at, last_used_at FROM scim_tokens WHERE org_id = \(p: 1) ORDER BY id DESC
            """, [.init(organization)]) {
            Token(id: $0.int(0), name: $0.text(1), createdAt: $0.text(2), lastUsedAt: $0.optionalText(3))
        }
    }

    public func revoke(_ id: Int, organization: Int, by access: Access) throws {
        try access.require(.manageUsers, in: organization)
        try database.transaction(locking: [.organization(organization)]) {
            guard let name = try database.query("SELECT name FROM scim_tokens WHERE id = \(p: 1) AND org_id = \(p: 2)",
                                                [.init(id), .init(organization)], row: { $0.text(0) }).first else {
                throw UserError.notFound("There is no SCIM token \(id) in this organization.")
            }
            try database.run("DELETE FROM scim_tokens WHERE id = \(p: 1)", [.init(id)])
            try AuditLog(database: database).record(by: access, organizationID: organization, action: "SCIM token revoked", subject: name)
        }
    }

    /// The organization a bearer token provisions; nil when it is unknown or revoked.
    public func organization(token: String) throws -> Int? {
        guard token.hasPrefix(Self.prefix), (40...100).contains(token.utf8.count) else { return nil }
        let hash = Secret.hash(token)
        guard let row = try database.query("SELECT id, org_id, last_used_at FROM scim_tokens WHERE token_hash = \(p: 1)", [.text(hash)],
                                           row: { ($0.int(0), $0.int(1), $0.optionalText(2)) }).first else { return nil }
        let now = Date()
        if (row.2 ?? "") < DateText.store(now.addingTimeInterval(-60)) {
            database.bestEffort {
                try database.run("UPDATE scim_tokens SET last_used_at = \(p: 2) WHERE id = \(p: 1)", [.init(row.0), .text(DateText.store(now))])
            }
        }
        return row.1
    }
}
