import Foundation
import Observability
import Storage

/// Users, their roles per organization, and their sessions.
public struct Accounts {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    public static let idleTimeout: TimeInterval = 2 * 3600
    public static let absoluteTimeout: TimeInterval = 12 * 3600

    // MARK: Users

    public struct Member: Sendable {
        public let userID: Int
        public let email: String
        public let name: String
        public let role: Role
    }

    /// Creates a user; the email is the identity, unique without regard to case.
    @discardableResult
    public func createUser(email: String, name: String, password: String) throws -> Int {
        let email = try Self.validEmail(email)
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard StoredText.isLine(name, upTo: 200) else { throw UserError.badRequest("Enter a name of 1 to 200 characters, on one line.") }
        try Passwords.requireAcceptable(password)
        guard try userID(email: email) == nil else { throw UserError.conflict("A user with the email \(email) already exists.") }
        return try database.insertReturningID("INSERT INTO users (email, name, password_hash, created_at) VALUES (\(p: 1), \(p: 2), \(p: 3), \(p: 4))",
                                              [.text(email), .text(name), .text(Passwords.hash(password)), .text(DateText.now())])
    }

    public func userID(email: String) throws -> Int? {
        try database.query("SELECT id FROM users WHERE \(caseless: "email") = \(caseless: 1)", [.text(email.trimmingCharacters(in: .whitespaces))]) { $0.int(0) }.first
    }

    public func setRole(userID: Int, organizationID: Int, role: Role) throws {
        try database.run("""
            INSERT INTO user_roles (user_id, org_id, role) VALUES (\(p: 1), \(p: 2), \(p: 3))
            ON CONFLICT (user_id, org_id) DO UPDATE SET role = excluded.role
            """, [.init(userID), .init(organizationID), .text(role.rawValue)])
    }

    /// Removes the user from the organization. The last Admin cannot go: someone must manage it.
    public func removeRole(userID: Int, organizationID: Int) throws {
        try requireAnotherAdmin(besides: userID, in: organizationID)
        try database.run("DELETE FROM user_roles WHERE user_id = \(p: 1) AND org_id = \(p: 2)", [.init(userID), .init(organizationID)])
    }

    public func changeRole(userID: Int, organizationID: Int, to role: Role) throws {
        guard try self.role(userID: userID, organizationID: organizationID) != nil else {
            throw UserError.notFound("That user is not a member of this organization.")
        }
        if role != .admin { try requireAnotherAdmin(besides: userID, in: organizationID) }
        try setRole(userID: userID, organizationID: organizationID, role: role)
    }

    public func role(userID: Int, organizationID: Int) throws -> Role? {
        try database.query("SELECT role FROM user_roles WHERE user_id = \(p: 1) AND org_id = \(p: 2)", [.init(userID), .init(organizationID)]) {
            try $0.decode(Role.self, 0, table: "user_roles", key: "user_id \(userID), org_id \(organizationID)")
        }.first
    }

    private func requireAnotherAdmin(besides userID: Int, in organizationID: Int) throws {
        let admins = try database.scalarInt("SELECT count(*) FROM user_roles WHERE org_id = \(p: 1) AND role = 'Admin' AND user_id <> \(p: 2)",
                                            [.init(organizationID), .init(userID)])
        if admins == 0, try role(userID: userID, organizationID: organizationID) == .admin {
            throw UserError.conflict("An organization needs at least one Admin: make someone else Admin first.")
        }
    }

    public func members(of organizationID: Int) throws -> [Member] {
        try database.query("""
            SELECT u.id, u.email, u.name, r.role FROM user_roles r JOIN users u ON u.id = r.user_id
            WHERE r.org_id = \(p: 1) ORDER BY \(caseless: "u.name"), u.id
            """, [.init(organizationID)]) {
            Member(userID: $0.int(0), email: $0.text(1), name: $0.text(2),
                   role: try $0.decode(Role.self, 3, table: "user_roles", key: "user_id \($0.int(0)), org_id \(organizationID)"))
        }
    }

    public func access(userID: Int) throws -> Access? {
        guard let user = try database.query("SELECT email, name FROM users WHERE id = \(p: 1)", [.init(userID)], row: { ($0.text(0), $0.text(1)) }).first
        else { return nil }
        let roles = try database.query("SELECT org_id, role FROM user_roles WHERE user_id = \(p: 1)", [.init(userID)]) {
            ($0.int(0), try $0.decode(Role.self, 1, table: "user_roles", key: "user_id \(userID), org_id \($0.int(0))"))
        }
        return Access(userID: userID, email: user.0, name: user.1, roles: Dictionary(uniqueKeysWithValues: roles))
    }

    /// By name, the organizations where the user may do this: for pickers. Remembered until the
    /// database changes, which is also when the user's roles could change.
    public func organizationNames(for access: Access, allowing permission: Permission) throws -> [(id: Int, name: String)] {
        try database.remembered("organization names\u{1F}\(access.userID)\u{1F}\(permission)") {
            try namesOfOrganizations(.idList(access.organizations(allowing: permission)))
        }
    }

    private func namesOfOrganizations(_ list: SQLValue) throws -> [(id: Int, name: String)] {
        try database.query("SELECT id, name FROM organizations WHERE id IN (\(ids: 1)) ORDER BY \(caseless: "name"), id",
                           [list]) { (id: $0.int(0), name: $0.text(1)) }
    }

    public static func validEmail(_ email: String) throws -> String {
        let trimmed = email.trimmingCharacters(in: .whitespacesAndNewlines)
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        let printable = trimmed.unicodeScalars.allSatisfy { $0.properties.generalCategory != .control && $0 != "\u{FFFD}" }
        guard StoredText.length(trimmed) <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), printable,
              !parts[1].hasPrefix("."), !parts[1].hasSuffix("."), !trimmed.contains(where: \.isWhitespace) else {
            throw UserError.badRequest("Enter an email address like name@example.com.")
        }
        return trimmed
    }

    // MARK: Sessions

    public struct Session: Sendable {
        public let token: String
        public let csrfToken: String
        public let access: Access
        /// After a sign-in: the device cookie's value, which keeps this browser known to the account.
        public var deviceToken: String? = nil
    }

    /// How long a browser that signed in stays known (its device cookie's lifetime).
    public static let knownDeviceLifetime: TimeInterval = 180 * 86_400

    /// Signs in, or says why not; `device` is the request's device cookie, if any. Guessers are
    /// slowed, then refused (see `SignInThrottle`), but never the right password from a browser
    /// that signed in to this account before. An unknown email and a wrong password read the same.
    /// The session carries the device cookie to set: the same one if it was known, else a new one.
    public func signIn(email: String, password: String, address: String, device: String? = nil) throws -> Session {
        let normalized = email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let user = try database.query("SELECT id, password_hash FROM users WHERE \(caseless: "email") = \(caseless: 1)", [.text(normalized)]) {
            (id: $0.int(0), hash: $0.text(1))
        }.first
        let knownDevice = try user.flatMap { user in try device.flatMap { try knownDeviceHash($0, userID: user.id) } }
        let throttle = SignInThrottle(database: database)
        let counted = try throttle.admit(.init(account: normalized, address: address, knownDevice: knownDevice))
        let valid: Bool
        if let user {
            valid = Passwords.verify(password, against: user.hash)
        } else {
            Passwords.verifyNothing(password)
            valid = false
        }
        guard valid, let user, try access(userID: user.id) != nil else {
            Telemetry.event("sign_ins", outcome: "failed")
            // With the request's id (the logger came with the request): a user's "I cannot sign in" finds this line.
            database.logger.notice("sign-in failed", metadata: ["known_account": .stringConvertible(user != nil)])
            try database.transaction(locking: []) {
                _ = try AuditLog(database: database).record(actorID: user?.id, actor: String(normalized.prefix(254)), organizationID: nil,
                                                       action: "Sign-in failed", details: ["address": address])
            }
            throw UserError.unauthorized("The email or password is not right.")
        }
        // Checked only once the password is right, so that it tells nothing to anyone else.
        if try SignOnSettings(database: database).passwordRefused(userID: user.id) {
            try database.transaction(locking: [.user(user.id)]) { try throttle.withdraw(counted) }
            throw UserError.forbidden("Your organization signs in with single sign-on: choose it below the password.")
        }
        return try newSession(userID: user.id, address: address, device: knownDevice.flatMap { _ in device }, action: "Signed in",
                              details: ["address": address]) { try throttle.withdraw(counted) }
    }

    /// A new session for a user who proved who they are (a password, or single sign-on), in one
    /// transaction with `first` (what the sign-in changes besides) and its audit entry. `device` is
    /// the request's device cookie when it is known to this user; else a new one is drawn.
    func newSession(userID: Int, address: String, device: String?, action: String, details: [String: String],
                    first: () throws -> Void = {}) throws -> Session {
        let token = Secret.generate()
        // Not a secret at rest: it works only with the session's cookie.
        let csrf = Secret.generate()
        let deviceToken = device ?? Secret.generate()
        let now = DateText.now()
        let access = try database.transaction(locking: [.user(userID)]) { () throws -> Access in
            try first()
            guard let signedIn = try self.access(userID: userID) else { throw UserError.unauthorized("This account no longer exists.") }
            try database.run("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at) VALUES (\(p: 1), \(p: 2), \(p: 3), \(p: 4), \(p: 4))",
                             [.text(Secret.hash(token)), .init(userID), .text(csrf), .text(now)])
            try database.run("""
                INSERT INTO known_devices (token_hash, user_id, created_at, last_used_at) VALUES (\(p: 1), \(p: 2), \(p: 3), \(p: 3))
                ON CONFLICT (token_hash, user_id) DO UPDATE SET last_used_at = excluded.last_used_at
                """, [.text(Secret.hash(deviceToken)), .init(userID), .text(now)])
            try database.run("DELETE FROM known_devices WHERE last_used_at <= \(p: 1)",
                             [.text(DateText.store(Date().addingTimeInterval(-Self.knownDeviceLifetime)))])
            try AuditLog(database: database).record(actorID: userID, actor: signedIn.email, organizationID: nil, action: action, details: details)
            return signedIn
        }
        Telemetry.event("sign_ins", outcome: "succeeded")
        return Session(token: token, csrfToken: csrf, access: access, deviceToken: deviceToken)
    }

    /// The stored hash of a device cookie that signed in to this user within its lifetime.
    func knownDeviceHash(_ token: String, userID: Int) throws -> String? {
        guard (43...100).contains(token.utf8.count) else { return nil }
        let hash = Secret.hash(token)
        let since = DateText.store(Date().addingTimeInterval(-Self.knownDeviceLifetime))
        let known = try database.scalarInt("SELECT count(*) FROM known_devices WHERE token_hash = \(p: 1) AND user_id = \(p: 2) AND last_used_at > \(p: 3)",
                                           [.text(hash), .init(userID), .text(since)])
        return known > 0 ? hash : nil
    }

    /// The session of a cookie, if it is still valid; refreshes its idle time at most once a minute.
    /// The session and its user's roles are remembered until the database changes.
    public func session(token: String) throws -> Session? {
        guard token.count >= 43, token.count <= 100 else { return nil }
        let hash = Secret.hash(token)
        let stored = try database.remembered("session\u{1F}" + hash) { () throws -> StoredSession? in
            guard let row = try database.query("SELECT user_id, csrf_token, created_at, last_seen_at FROM sessions WHERE token_hash = \(p: 1)",
                                               [.text(hash)], row: { ($0.int(0), $0.text(1), $0.text(2), $0.text(3)) }).first,
                  let access = try access(userID: row.0) else { return nil }
            return StoredSession(csrfToken: row.1, createdAt: row.2, lastSeenAt: row.3, access: access)
        }
        guard let stored else { return nil }
        let now = Date()
        guard stored.lastSeenAt > DateText.store(now.addingTimeInterval(-Self.idleTimeout)),
              stored.createdAt > DateText.store(now.addingTimeInterval(-Self.absoluteTimeout)) else {
            // An expired session is refused whether or not its row can be deleted now.
            database.bestEffort { try database.run("DELETE FROM sessions WHERE token_hash = \(p: 1)", [.text(hash)]) }
            return nil
        }
        if stored.lastSeenAt < DateText.store(now.addingTimeInterval(-60)) {
            // A page load never waits or fails for this refresh: a missed one costs at most a minute of idle time.
            database.bestEffort {
                try database.run("UPDATE sessions SET last_seen_at = \(p: 2) WHERE token_hash = \(p: 1)", [.text(hash), .text(DateText.store(now))])
            }
        }
        return Session(token: token, csrfToken: stored.csrfToken, access: stored.access)
    }

    private struct StoredSession {
        let csrfToken: String
        let createdAt: String
        let lastSeenAt: String
        let access: Access
    }

    public func signOut(_ session: Session) throws {
        try database.transaction(locking: []) {
            try database.run("DELETE FROM sessions WHERE token_hash = \(p: 1)", [.text(Secret.hash(session.token))])
            try AuditLog(database: database).record(actorID: session.access.userID, actor: session.access.email, organizationID: nil,
                                                   action: "Signed out")
        }
    }
}
