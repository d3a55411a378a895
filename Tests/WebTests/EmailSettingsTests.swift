import Domain
import FastCGI
import XCTest
@testable import Web

/// Email set up from /email (issue 23, finding 8): who may, the password never shown and stored
/// sealed, the flags winning, the test message's outcome in words, and invites that say they wait.
final class EmailSettingsTests: XCTestCase {
    static let form: [(String, String)] = [("host", "127.0.0.1"), ("port", "1"), ("security", "STARTTLS if offered"), ("username", "relay-user"),
                                           ("password", "s3cret-relay-pass"), ("from", "Connections <noreply@example.test>")]

    func client(flags: Bool = false) throws -> TestClient {
        let client = try TestClient { configuration in
            configuration.installationKey = InstallationKey.generate()
            if flags {
                configuration.smtp = try SMTPSettings(url: "smtp://flags.example.test:2525", username: nil, password: nil,
                                                      from: MailAddress(name: "Flags", address: "flags@example.test"))
            }
        }
        try client.signIn(DemoData.adminEmail)
        return client
    }

    func testAnAdminOfEveryOrganizationSavesSealedSettingsAndThePasswordIsNeverShown() throws {
        let client = try client()
        XCTAssertFalse(client.handler.emailEnabled)
        XCTAssertTrue(client.text(client.get("/email")).contains("id=\"smtp-host\""))
        let saved = try client.post("/email/settings", Self.form)
        XCTAssertEqual(saved.status, 303, client.text(saved))
        let page = client.text(client.get(String(try XCTUnwrap(client.header(saved, "Location")).prefix { $0 != "#" })))
        XCTAssertTrue(page.contains("Email settings saved") && page.contains("value=\"127.0.0.1\"") && page.contains("A password is saved"), page)
        XCTAssertFalse(page.contains("s3cret-relay-pass"), "the password is never shown")
        let stored = try client.otherConnection().query("SELECT sealed FROM email_settings") { $0.text(0) }
        XCTAssertEqual(stored.count, 1)
        XCTAssertFalse(stored[0].contains("127.0.0.1") || stored[0].contains("relay"), "sealed, not readable")
        XCTAssertTrue(client.handler.emailEnabled, "set up at once, without a restart")
        // Saved again with the password left empty: the saved one is kept.
        let again = try client.post("/email/settings", Self.form.map { $0.0 == "password" ? ("password", "") : $0 })
        XCTAssertEqual(again.status, 303)
        let current = try XCTUnwrap(EmailSetup.current(client.handler.configuration, client.otherConnection()))
        XCTAssertEqual(current.password, "s3cret-relay-pass")
        XCTAssertEqual(current.url, "smtp://127.0.0.1:1")
        XCTAssertFalse(current.requireSTARTTLS)
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM audit_log WHERE action = 'Changed email settings' AND details NOT LIKE '%s3cret%'"), 2)
        // Another key (the file replaced) opens nothing, and says so.
        XCTAssertThrowsError(try EmailSettings(database: client.otherConnection()).saved(key: InstallationKey.generate())) { error in
            XCTAssertTrue((error as? UserError)?.message.contains("cannot be opened with this installation's key") == true)
        }
        // Bad values: each said by its field, nothing saved, the password not echoed.
        let bad = try client.post("/email/settings", [("host", "smtp example"), ("port", "99999"), ("security", "ROT13"), ("username", ""),
                                                       ("password", "typed-not-echoed"), ("from", "not an address")])
        XCTAssertEqual(bad.status, 400)
        let problems = client.text(bad)
        XCTAssertTrue(problems.contains("Enter the SMTP server&#39;s name") && problems.contains("Enter a port from 1 to 65535")
                      && problems.contains("Choose how the connection is secured") && problems.contains("Enter the From address"), problems)
        XCTAssertFalse(problems.contains("typed-not-echoed"))
    }

    func testOthersMayNotChangeTheInstallationsEmail() throws {
        let client = try client()
        // An Admin of one organization only: not of every one.
        let accounts = Accounts(database: try client.otherConnection())
        let user = try accounts.createUser(email: "one-org-admin@example.test", name: "One Org", password: "a long enough password")
        try client.otherConnection().run("INSERT INTO user_roles (user_id, org_id, role) SELECT \(p: 1), min(id), 'Admin' FROM organizations", [.init(user)])
        try client.signIn("one-org-admin@example.test", password: "a long enough password")
        XCTAssertTrue(client.text(client.get("/email")).contains("Only an Admin of every organization can change"))
        XCTAssertEqual(try client.post("/email/settings", Self.form).status, 403)
        XCTAssertEqual(try client.post("/email/test").status, 403)
        try client.signIn(DemoData.officerEmail)
        XCTAssertEqual(try client.post("/email/settings", Self.form).status, 403)
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM email_settings"), 0)
    }

    func testTheFlagsWinAndThePageSaysSo() throws {
        let client = try client(flags: true)
        XCTAssertTrue(client.text(client.get("/email")).contains("those flags set email now and win over the settings saved here"))
        XCTAssertEqual(try client.post("/email/settings", Self.form).status, 303)
        XCTAssertEqual(try EmailSetup.current(client.handler.configuration, client.otherConnection())?.url, "smtp://flags.example.test:2525")
    }

    func testATestMessageThatFailsSaysWhyInWords() throws {
        let client = try client()
        XCTAssertFalse(client.text(client.get("/email")).contains("Send test message"), "nothing to test before email is set up")
        XCTAssertEqual(try client.post("/email/settings", Self.form).status, 303)
        let failed = try client.post("/email/test")
        XCTAssertEqual(failed.status, 502)
        let page = client.text(failed)
        XCTAssertTrue(page.contains("The test message was not sent: ") && page.contains("id=\"test-problem\""), page)
    }

    func testInvitesSentWithoutEmailSayTheyWaitWithTheWayToSetItUp() throws {
        let client = try client()
        let id = try client.scalar("SELECT min(id) FROM connections WHERE status = 'Enabled'")
        let sent = try client.post("/connections/\(id)/invite/email", [("step", "send"), ("addresses", "a@example.org b@example.org c@example.org")])
        XCTAssertEqual(sent.status, 303, client.text(sent))
        let location = try XCTUnwrap(client.header(sent, "Location"))
        XCTAssertTrue(location.contains("done=queued&n=3"), location)
        let page = client.text(client.get(String(location.prefix { $0 != "#" })))
        XCTAssertTrue(page.contains("3 invites queued: email is not set up. <a href=\"/email#email-settings\">Set up email</a>"), page)
        XCTAssertFalse(page.contains("on the way"))
    }
}
