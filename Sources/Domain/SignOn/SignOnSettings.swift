import Foundation
import Storage

/// An organization's single sign-on (OpenID Connect) settings, saved by its Admins on /sso: the
/// issuer, the client id and secret (sealed with the installation key, as the secret must be sent
/// to the provider and so cannot be hashed; no page shows it again), the role mapping, and whether
/// single sign-on is required (password sign-in off for its users, not for the installation's first Admin).
public struct SignOnSettings {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// What the form edits; `clientSecret` empty keeps the saved one. `roleMapping` is one
    /// "claim value = Role" a line; with no `roleClaim` roles stay as set in the console.
    public struct Values: Sendable, Equatable {
        public var issuer = "", clientID = "", clientSecret = "", roleClaim = "", roleMapping = "", required = false
        public init() {}
    }

    public struct Saved: Sendable {
        public let values: Values
        public let updatedAt: String
    }

    /// What a sealed value is bound to: this table, and the organization (a row copied to another opens nowhere).
    static func context(_ organization: Int) -> String { "sign_on_settings.1\u{1F}\(organization)" }

    /// The organizations whose users may sign in with single sign-on, by name: the sign-in page's buttons.
    public func organizations() throws -> [(id: Int, name: String)] {
        try database.remembered("sign-on organizations") {
            try database.query("SELECT o.id, o.name FROM sign_on_settings s JOIN organizations o ON o.id = s.org_id ORDER BY \(caseless: "o.name"), o.id") {
                (id: $0.int(0), name: $0.text(1))
            }
        }
    }

    /// The saved settings of an organization, opened; nil when none are saved.
    public func saved(organization: Int, key: InstallationKey) throws -> Saved? {
        guard let row = try database.query("SELECT sealed, required, updated_at FROM sign_on_settings WHERE org_id = \(p: 1)", [.init(organization)],
                                           row: { ($0.text(0), $0.int(1), $0.text(2)) }).first else { return nil }
        guard let fields = key.openStrings(row.0, context: Self.context(organization)) else {
            throw UserError.conflict("The saved single sign-on settings cannot be opened with this installation's key (was the key file replaced?): save them again.")
        }
        var values = Values()
        values.issuer = fields["issuer"] ?? ""
        values.clientID = fields["client_id"] ?? ""
        values.clientSecret = fields["client_secret"] ?? ""
        values.roleClaim = fields["role_claim"] ?? ""
        values.roleMapping = fields["role_mapping"] ?? ""
        values.required = row.1 == 1
        return Saved(values: values, updatedAt: row.2)
    }

    /// The role mapping's lines as claim value -> role; the problem of the first line that cannot be read.
    public static func mapping(_ text: String) -> (roles: [String: Role], problem: String?) {
        var roles: [String: Role] = [:]
        for (number, line) in text.split(whereSeparator: \.isNewline).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { continue }
            guard let equals = trimmed.lastIndex(of: "="),
                  case let value = trimmed[..<equals].trimmingCharacters(in: .whitespaces), !value.isEmpty,
                  let role = Role.allCases.first(where: { $0.rawValue.caseInsensitiveCompare(trimmed[trimmed.index(after: equals)...]
                      .trimmingCharacters(in: .whitespaces)) == .orderedSame }) else {
                return (roles, "Line \(number + 1) must read like “console-admins = Admin” (roles: \(Role.allCases.map(\.rawValue).joined(separator: ", "))).")
            }
            roles[value] = role
        }
        return (roles, nil)
    }

    /// Checks and saves; the problems by field when the values cannot be used (nothing saved then).
    public func save(_ values: Values, organization: Int, key: InstallationKey, by access: Access) throws -> [String: String] {
        try access.require(.manageUsers, in: organization)
        var values = values
        values.issuer = values.issuer.trimmingCharacters(in: .whitespaces)
        if values.issuer.hasSuffix("/") { values.issuer.removeLast() }
        values.clientID = values.clientID.trimmingCharacters(in: .whitespaces)
        values.roleClaim = values.roleClaim.trimmingCharacters(in: .whitespaces)
        var problems: [String: String] = [:]
        if let problem = Self.issuerProblem(values.issuer) { problems["issuer"] = problem }
        if !StoredText.isLine(values.clientID, upTo: 500) { problems["clientID"] = "Enter the client id the provider gave this application (one line)." }
        if values.clientSecret.count > 1_000 || values.clientSecret.contains(where: \.isNewline) { problems["clientSecret"] = "Enter the client secret on one line." }
        if values.roleClaim.count > 100 || values.roleClaim.contains(where: { $0.isWhitespace }) {
            problems["roleClaim"] = "Enter a claim name without spaces, like groups, or leave it empty."
        }
        let mapping = Self.mapping(values.roleMapping)
        if let problem = mapping.problem { problems["roleMapping"] = problem }
        if values.roleMapping.count > 5_000 { problems["roleMapping"] = "Keep the mapping under 5,000 characters." }
        if !values.roleClaim.isEmpty && mapping.roles.isEmpty && problems["roleMapping"] == nil {
            problems["roleMapping"] = "Map at least one value of \(values.roleClaim) to a role, or leave the claim empty to keep roles as set here."
        }
        guard problems.isEmpty else { return problems }
        return try database.transaction(locking: [.organization(organization)]) {
            let before = try? saved(organization: organization, key: key)
            if values.clientSecret.isEmpty { values.clientSecret = before?.values.clientSecret ?? "" }
            if values.clientSecret.isEmpty { return ["clientSecret": "Enter the client secret the provider gave this application."] }
            let sealed = key.sealStrings(["issuer": values.issuer, "client_id": values.clientID, "client_secret": values.clientSecret,
                                          "role_claim": values.roleClaim, "role_mapping": values.roleMapping], context: Self.context(organization))
            try database.run("DELETE FROM sign_on_settings WHERE org_id = \(p: 1)", [.init(organization)])
            try database.run("INSERT INTO sign_on_settings (org_id, sealed, required, updated_at, updated_by) VALUES (\(p: 1), \(p: 2), \(p: 3), \(p: 4), \(p: 5))",
                             [.init(organization), .text(sealed), .init(values.required ? 1 : 0), .text(DateText.now()), .init(access.userID)])
            try AuditLog(database: database).record(by: access, organizationID: organization, action: "Changed single sign-on settings",
                                                    subject: values.issuer, details: [
                                                        "client_id": values.clientID, "role_claim": values.roleClaim,
                                                        "required": values.required ? "yes" : "no",
                                                        "client_secret": before?.values.clientSecret == values.clientSecret ? "kept" : "changed",
                                                    ])
            return [:]
        }
    }

    /// Turns single sign-on off for the organization: its users sign in with passwords again.
    public func remove(organization: Int, by access: Access) throws {
        try access.require(.manageUsers, in: organization)
        try database.transaction(locking: [.organization(organization)]) {
            try database.run("DELETE FROM sign_on_settings WHERE org_id = \(p: 1)", [.init(organization)])
            try AuditLog(database: database).record(by: access, organizationID: organization, action: "Removed single sign-on settings")
        }
    }

    /// An issuer is an https URL (http only on this machine, for a test provider), without query or fragment.
    static func issuerProblem(_ issuer: String) -> String? {
        guard issuer.count <= 500, let url = URL(string: issuer), let host = url.host, url.query == nil, url.fragment == nil, url.user == nil,
              url.scheme == "https" || (url.scheme == "http" && ["localhost", "127.0.0.1", "::1"].contains(host)) else {
            return "Enter the issuer's https address, like https://example.okta.com (the provider's “Issuer URL”)."
        }
        return nil
    }

    /// Whether password sign-in is off for this user: a member of an organization that requires single
    /// sign-on, unless the installation's first Admin (who can always get in to fix the settings).
    public func passwordRefused(userID: Int) throws -> Bool {
        let required = try database.scalarInt("""
            SELECT count(*) FROM user_roles r JOIN sign_on_settings s ON s.org_id = r.org_id WHERE r.user_id = \(p: 1) AND s.required = 1
            """, [.init(userID)])
        guard required > 0 else { return false }
        let firstAdmin = try database.query("SELECT min(user_id) FROM user_roles WHERE role = 'Admin'") { $0.int(0) }.first
        return firstAdmin != userID
    }
}
