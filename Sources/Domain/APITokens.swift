import Foundation
import Storage

/// Tokens for the JSON API: each belongs to a user and acts with that user's roles, exactly as the
/// console's checks do. The token is shown once when made; only its SHA-256 is stored (256 random
/// bits need no slow hash). Revoking deletes it, so it stops working at the next request.
public struct APITokens {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// What the tokens page lists: never the token itself.
    public struct Token: Sendable {
        public let id: Int
        public let name: String
        public let createdAt: String
        public let expiresAt: String?
        public let lastUsedAt: String?
    }

    /// The prefix makes a leaked token easy to recognize (and to search for in code).
    public static let prefix = "cnx_"
    public static let longestName = 100
    /// Expiry in whole days from today; none means until revoked.
    public static let expiryDays: ClosedRange<Int> = 1...3650
    /// Tokens a user may hold at once: each has its own call allowance, so an unbounded number
    /// would multiply the limit (an attack made 40).
    public static let mostPerUser = 10
    /// How often the last-used time is written: a token used many times a second costs one write a minute.
    static let lastUsedResolution: TimeInterval = 60

    /// Makes a token for the user; returns it (the only time it is seen) and its id.
    public func create(name: String, expiresInDays days: Int?, by access: Access) throws -> (token: String, id: Int) {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard StoredText.isLine(name, upTo: Self.longestName) else {
            throw UserError.badRequest("Name the token (1 to \(Self.longestName) characters, on one line), after the system that will use it.")
        }
        if let days, !Self.expiryDays.contains(days) {
            throw UserError.badRequest("A token expires after 1 to \(Self.expiryDays.upperBound) days, or never.")
        }
        let token = Self.prefix + Secret.generate()
        let now = Date()
        let expires = days.map { DateText.store(now.addingTimeInterval(TimeInterval($0) * 86_400)) }
        do {
            return try database.transaction(locking: [.user(access.userID)]) {
                let held = try database.scalarInt("SELECT count(*) FROM api_tokens WHERE user_id = \(p: 1)", [.init(access.userID)])
                guard held < Self.mostPerUser else {
                    throw UserError.conflict("You already hold \(Self.mostPerUser) tokens, the most one person may: revoke one you no longer use, then make this one.")
                }
                let id = try database.insertReturningID("""
                    INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at) VALUES (\(p: 1), \(p: 2), \(p: 3), \(p: 4), \(p: 5))
                    """, [.init(access.userID), .text(name), .text(Secret.hash(token)), .text(DateText.store(now)), expires.map(SQLValue.text) ?? .null])
                try AuditLog(database: database).record(by: access, organizationID: nil, action: "API token created", subject: name,
                                                       details: ["expires": expires ?? "never"])
                return (token, id)
            }
        } catch let error as StorageError where error.isUniqueViolation {
            throw UserError.conflict("You already have a token named “\(name)”: choose another name.")
        }
    }

    /// The user's tokens, newest first.
    public func list(userID: Int) throws -> [Token] {
        try database.query("""
            SELECT id, name, created_at, expires_at, last_used_at FROM api_tokens WHERE user_id = \(p: 1) ORDER BY id DESC
            """, [.init(userID)]) {
            Token(id: $0.int(0), name: $0.text(1), createdAt: $0.text(2), expiresAt: $0.optionalText(3), lastUsedAt: $0.optionalText(4))
        }
    }

    /// Deletes one of the user's own tokens; another user's token answers like a missing one.
    public func revoke(_ id: Int, by access: Access) throws {
        try database.transaction(locking: [.user(access.userID)]) {
            guard let name = try database.query("SELECT name FROM api_tokens WHERE id = \(p: 1) AND user_id = \(p: 2)", [.init(id), .init(access.userID)],
                                                row: { $0.text(0) }).first else {
                throw UserError.notFound("There is no API token \(id) of yours.")
            }
            try database.run("DELETE FROM api_tokens WHERE id = \(p: 1)", [.init(id)])
            try AuditLog(database: database).record(by: access, organizationID: nil, action: "API token revoked", subject: name)
        }
    }

    /// The access of a bearer token: its user's roles, named by the token; nil when the token is
    /// unknown, revoked or expired. Remembered until the database changes, like sessions.
    public func access(token: String) throws -> (access: Access, tokenID: Int)? {
        guard token.hasPrefix(Self.prefix), (40...100).contains(token.utf8.count) else { return nil }
        let hash = Secret.hash(token)
        let stored = try database.remembered("api token\u{1F}" + hash) { () throws -> StoredToken? in
            guard let row = try database.query("SELECT id, user_id, name, expires_at, last_used_at FROM api_tokens WHERE token_hash = \(p: 1)",
                                               [.text(hash)], row: { ($0.int(0), $0.int(1), $0.text(2), $0.optionalText(3), $0.optionalText(4)) }).first,
                  var access = try Accounts(database: database).access(userID: row.1) else { return nil }
            access.tokenName = row.2
            return StoredToken(id: row.0, access: access, expiresAt: row.3, lastUsedAt: row.4)
        }
        guard let stored else { return nil }
        let now = Date()
        if let expires = stored.expiresAt, expires <= DateText.store(now) { return nil }
        if (stored.lastUsedAt ?? "") < DateText.store(now.addingTimeInterval(-Self.lastUsedResolution)) {
            // Bookkeeping never makes a call wait or fail: a missed write costs a minute of "last used".
            database.bestEffort {
                try database.run("UPDATE api_tokens SET last_used_at = \(p: 2) WHERE id = \(p: 1)", [.init(stored.id), .text(DateText.store(now))])
            }
        }
        return (stored.access, stored.id)
    }

    private struct StoredToken {
        let id: Int
        let access: Access
        let expiresAt: String?
        let lastUsedAt: String?
    }
}
