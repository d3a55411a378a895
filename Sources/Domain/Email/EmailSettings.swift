import Foundation
import Storage

/// The installation's SMTP settings saved on /email: one row, sealed with the installation key
/// (`InstallationKey`), password included, which no page shows again. They serve every
/// organization, so only a user who is Admin of every organization of the installation may
/// change them (an Admin of some cannot redirect the others' email). `serve`'s flags win.
public struct EmailSettings {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    public enum Security: String, CaseIterable, Sendable {
        case starttls = "STARTTLS"
        case tls = "TLS"
        case optional = "STARTTLS if offered"

        public var label: String {
            switch self {
            case .starttls: return "STARTTLS, required (usually port 587)"
            case .tls: return "TLS from the start (usually port 465)"
            case .optional: return "STARTTLS if offered (a relay on this machine)"
            }
        }
    }

    /// What the form edits; `password` empty keeps the saved one.
    public struct Values: Sendable, Equatable {
        public var host = "", port = "587", security = Security.starttls.rawValue, username = "", password = "", from = ""
        public init() {}
    }

    /// What is saved, the password aside: for the form (the password field stays empty).
    public struct Saved: Sendable {
        public let values: Values
        public let hasPassword: Bool
        public let updatedAt: String
    }

    static let context = "email_settings.1"

    /// Whether this user may change the installation's email: Admin of every organization there is.
    public func mayEdit(_ access: Access) throws -> Bool {
        let admin = access.roles.filter { $0.value == .admin }.count
        let organizations = try database.scalarInt("SELECT count(*) FROM organizations")
        return admin > 0 && admin == organizations
    }

    /// Whether settings are saved (read once per change of the database).
    public func isSaved() throws -> Bool {
        try database.remembered("email settings saved") { try database.scalarInt("SELECT count(*) FROM email_settings") > 0 }
    }

    /// The saved settings, opened; nil when none are saved.
    public func saved(key: InstallationKey) throws -> Saved? {
        guard let row = try database.query("SELECT sealed, updated_at FROM email_settings WHERE id = 1", row: { ($0.text(0), $0.text(1)) }).first else {
            return nil
        }
        guard let fields = key.openStrings(row.0, context: Self.context) else {
            throw UserError.conflict("The saved email settings cannot be opened with this installation's key (was the key file replaced?): save them again.")
        }
        var values = Values()
        values.host = fields["host"] ?? ""
        values.port = fields["port"] ?? ""
        values.security = fields["security"] ?? ""
        values.username = fields["username"] ?? ""
        values.password = fields["password"] ?? ""
        values.from = fields["from"] ?? ""
        return Saved(values: values, hasPassword: !values.password.isEmpty, updatedAt: row.1)
    }

    /// The saved settings as the sender uses them; nil when none are saved.
    public func smtp(key: InstallationKey, timeout: Int) throws -> SMTPSettings? {
        guard let saved = try saved(key: key) else { return nil }
        return try Self.smtp(saved.values, timeout: timeout)
    }

    static func smtp(_ values: Values, timeout: Int) throws -> SMTPSettings {
        guard let security = Security(rawValue: values.security), let from = MailAddress(parsing: values.from) else {
            throw UserError.badRequest("The saved email settings are incomplete: save them again.")
        }
        let scheme = security == .tls ? "smtps" : "smtp"
        return try SMTPSettings(url: "\(scheme)://\(values.host):\(values.port)", username: values.username.isEmpty ? nil : values.username,
                                password: values.password.isEmpty ? nil : values.password, from: from,
                                requireSTARTTLS: security == .starttls, connectTimeout: min(10, timeout), timeout: timeout)
    }

    /// Checks and saves; the problems by field when the values cannot be used (nothing saved then).
    public func save(_ values: Values, key: InstallationKey, by access: Access) throws -> [String: String] {
        guard try mayEdit(access) else {
            throw UserError.forbidden("Only an Admin of every organization can change how the installation sends email.")
        }
        var values = values
        values.host = values.host.trimmingCharacters(in: .whitespaces)
        values.username = values.username.trimmingCharacters(in: .whitespaces)
        values.from = values.from.trimmingCharacters(in: .whitespaces)
        var problems: [String: String] = [:]
        if values.host.isEmpty || values.host.count > 253 || values.host.contains(where: { !($0.isLetter || $0.isNumber || ".-_[]:".contains($0)) }) {
            problems["host"] = "Enter the SMTP server's name, like smtp.example.com."
        }
        if RequestNumber.parse(values.port, in: 1...65_535) == nil { problems["port"] = "Enter a port from 1 to 65535, like 587." }
        if Security(rawValue: values.security) == nil { problems["security"] = "Choose how the connection is secured." }
        if values.username.count > 200 || values.username.contains(where: \.isNewline) { problems["username"] = "Enter a user name of one line, up to 200 characters." }
        if values.password.count > 1_000 || values.password.contains(where: \.isNewline) { problems["password"] = "Enter a password of one line." }
        if MailAddress(parsing: values.from) == nil || values.from.contains(where: \.isNewline) {
            problems["from"] = "Enter the From address, like “Connections <noreply@example.com>” or noreply@example.com."
        }
        guard problems.isEmpty else { return problems }
        return try database.transaction(locking: [.named("email settings")]) {
            let before = try? saved(key: key)
            if values.password.isEmpty { values.password = before?.values.password ?? "" }
            if !values.password.isEmpty && values.username.isEmpty { return ["username": "A password needs a user name."] }
            let sealed = key.sealStrings(["host": values.host, "port": values.port, "security": values.security, "username": values.username,
                                          "password": values.password, "from": values.from], context: Self.context)
            try database.run("DELETE FROM email_settings")
            try database.run("INSERT INTO email_settings (id, sealed, updated_at, updated_by) VALUES (1, \(p: 1), \(p: 2), \(p: 3))",
                             [.text(sealed), .text(DateText.now()), .init(access.userID)])
            try AuditLog(database: database).record(by: access, organizationID: nil, action: "Changed email settings",
                                                    subject: "\(values.host):\(values.port)", details: [
                                                        "security": values.security, "username": values.username, "from": values.from,
                                                        "password": before?.values.password == values.password ? "kept" : "changed",
                                                    ])
            return [:]
        }
    }
}
