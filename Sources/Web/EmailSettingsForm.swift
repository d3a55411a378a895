import Domain
import FastCGI
import Foundation

/// The SMTP settings form on /email (POST /email/settings) and its "Send test message"
/// (POST /email/test), for an Admin of every organization (`EmailSettings.mayEdit`). The password
/// is write-only: the field is always empty, and left empty it keeps the saved one. When `serve`'s
/// flags set email, they win, and the form says so.
struct EmailSettingsForm {
    let page: Page
    var values: EmailSettings.Values?
    var problems: [String: String] = [:]
    /// A test message's outcome when it failed: the server's words.
    var testProblem: String?

    init(page: Page) {
        self.page = page
    }

    func context() throws -> TemplateValue {
        let settings = EmailSettings(database: page.database)
        let mayEdit = try settings.mayEdit(page.access)
        guard mayEdit else { return ["mayEdit": false, "flags": .bool(page.handler.configuration.smtp != nil)] }
        var saved: EmailSettings.Saved?, unreadable: String?
        if let key = page.handler.configuration.installationKey {
            do { saved = try settings.saved(key: key) } catch let error as UserError { unreadable = error.message }
        }
        let shown = values ?? saved?.values ?? EmailSettings.Values()
        func problem(_ field: String) -> TemplateValue { problems[field].map(TemplateValue.text) ?? false }
        return [
            "mayEdit": true,
            "flags": .bool(page.handler.configuration.smtp != nil),
            "unreadable": unreadable.map(TemplateValue.text) ?? false,
            "hasProblems": .bool(!problems.isEmpty),
            "host": .text(shown.host), "hostProblem": problem("host"),
            "port": .text(shown.port), "portProblem": problem("port"),
            "securityOptions": .list(EmailSettings.Security.allCases.map {
                ["value": .text($0.rawValue), "label": .text($0.label), "selected": .bool($0.rawValue == shown.security)]
            }),
            "securityProblem": problem("security"),
            "username": .text(shown.username), "usernameProblem": problem("username"),
            "hasPassword": .bool(saved?.hasPassword == true), "passwordProblem": problem("password"),
            "from": .text(shown.from), "fromProblem": problem("from"),
            "savedAt": saved.map { .text(DateText.display($0.updatedAt)) } ?? false,
            "canTest": .bool((try? EmailSetup.current(page.handler.configuration, page.database)) != nil),
            "testProblem": testProblem.map(TemplateValue.text) ?? false,
        ]
    }

    /// POST /email/settings
    func save() throws -> Response {
        var values = EmailSettings.Values()
        values.host = page.request.formValue("host") ?? ""
        values.port = page.request.formValue("port") ?? ""
        values.security = page.request.formValue("security") ?? ""
        values.username = page.request.formValue("username") ?? ""
        values.password = page.request.formValue("password") ?? ""
        values.from = page.request.formValue("from") ?? ""
        guard let key = page.handler.configuration.installationKey else {
            throw UserError.conflict("This installation has no key to seal settings with: start the app with serve, which makes one.")
        }
        let problems = try EmailSettings(database: page.database).save(values, key: key, by: page.access)
        guard problems.isEmpty else {
            var form = self
            values.password = ""
            form.values = values
            form.problems = problems
            return try EmailPage(page: page).respond(status: 400, settings: form)
        }
        return .redirect(to: "/email?" + URLEncoding.encode(Notice.emailSettingsSaved.pairs(count: 1, for: page)) + "#email-settings")
    }

    /// POST /email/test: one message to the user's own address, sent now through the settings in use.
    func test() throws -> Response {
        guard try EmailSettings(database: page.database).mayEdit(page.access) else {
            throw UserError.forbidden("Only an Admin of every organization can test how the installation sends email.")
        }
        guard let settings = try EmailSetup.current(page.handler.configuration, page.database) else {
            throw UserError.conflict("Email is not set up: save the settings first.")
        }
        let message = MailMessage(
            from: settings.from, to: MailAddress(name: page.access.name, address: page.access.email), subject: "Connections: a test message",
            date: Date(), messageID: "<\(Secret.generate())@\(settings.domain)>",
            text: "This test message from Connections says that email is set up: invites, drivers' answers and digests go out this way.\n",
            html: "<p>This test message from Connections says that email is set up: invites, drivers&#39; answers and digests go out this way.</p>")
        do {
            try SMTPTransport(settings: settings).send(message.rendered(), to: page.access.email)
        } catch let error as SMTPFailure {
            var form = self
            form.testProblem = "The test message was not sent: \(error.message)"
            return try EmailPage(page: page).respond(status: 502, settings: form)
        }
        return .redirect(to: "/email?" + URLEncoding.encode(Notice.testSent.pairs(count: 1, for: page)) + "#email-settings")
    }
}
