import Domain
import Storage

/// Whether and how email goes out: `serve`'s SMTP flags when given (they win), else the settings
/// an Admin of every organization saved on /email, read when needed, so a save applies at once.
enum EmailSetup {
    static func current(_ configuration: WebConfiguration, _ database: Database) throws -> SMTPSettings? {
        if let smtp = configuration.smtp { return smtp }
        guard let key = configuration.installationKey else { return nil }
        return try EmailSettings(database: database).smtp(key: key, timeout: configuration.smtpTimeout)
    }
}

extension ConsoleHandler {
    /// Email is set up by the flags or by saved settings; without either, emails wait in the outbox.
    var emailEnabled: Bool {
        configuration.smtp != nil || (configuration.installationKey != nil && (try? EmailSettings(database: database).isSaved()) == true)
    }
}
