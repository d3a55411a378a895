import Domain
import FastCGI
import Storage
import XCTest
@testable import Web

/// Single sign-on set up on /sso (issue 26, item 3): an organization's Admin saves the provider,
/// the secret sealed and never shown, bad values said by field; the sign-in page offers the
/// organization's link; "require single sign-on" turns a member's right password away but not the
/// installation's first Admin's; an organization without it answers 404, a provider that is down 503.
final class SignOnSettingsTests: XCTestCase {
    static let secret = "client-s3cret-never-shown"

    func client() throws -> (TestClient, organization: Int) {
        let client = try TestClient { configuration in configuration.installationKey = InstallationKey.generate() }
        try client.signIn(DemoData.adminEmail)
        let organization = try client.scalar("SELECT min(org_id) FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.email = \(p: 1)",
                                             [.text(DemoData.officerEmail)])
        return (client, organization)
    }

    func form(_ organization: Int, issuer: String = "http://127.0.0.1:9", required: Bool = false) -> [(String, String)] {
        [("org", String(organization)), ("issuer", issuer), ("client_id", "console"), ("client_secret", Self.secret), ("role_claim", "groups"),
         ("role_mapping", "console-admins = Admin\nstaff = viewer")] + (required ? [("required", "on")] : [])
    }

    func testAnAdminSavesTheProviderSealedAndTheSignInPageOffersIt() throws {
        let (client, organization) = try client()
        let saved = try client.post("/sso", form(organization))
        XCTAssertEqual(saved.status, 200, client.text(saved))
        let page = client.text(saved)
        XCTAssertTrue(page.contains("Single sign-on settings saved") && page.contains("A secret is saved and never shown")
                      && page.contains("/login/sso/callback") && page.contains("staff = viewer"), page)
        XCTAssertFalse(page.contains(Self.secret))
        let sealed = try client.otherConnection().query("SELECT sealed FROM sign_on_settings WHERE org_id = \(p: 1)", [.init(organization)]) { $0.text(0) }
        XCTAssertEqual(sealed.count, 1)
        XCTAssertFalse(sealed[0].contains("127.0.0.1") || sealed[0].contains("s3cret"), "sealed, not readable")
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM audit_log WHERE action = 'Changed single sign-on settings' AND details NOT LIKE '%s3cret%'"), 1)
        // The secret left empty keeps the saved one.
        XCTAssertEqual(try client.post("/sso", form(organization).map { $0.0 == "client_secret" ? ($0.0, "") : $0 }).status, 200)
        let key = try XCTUnwrap(client.handler.configuration.installationKey)
        let values = try XCTUnwrap(SignOnSettings(database: client.otherConnection()).saved(organization: organization, key: key)).values
        XCTAssertEqual(values.clientSecret, Self.secret)
        XCTAssertEqual(SignOnSettings.mapping(values.roleMapping).roles, ["console-admins": .admin, "staff": .viewer])

        // "Check the provider" with nothing listening: said on the page, with its status.
        let check = try client.post("/sso", [("org", String(organization)), ("action", "check")])
        XCTAssertEqual(check.status, 503)
        XCTAssertTrue(client.text(check).contains("id=\"sso-problem\"") && client.text(check).contains("cannot be reached now"), client.text(check))
        client.signOut()
        let signIn = client.text(client.get("/login"))
        XCTAssertTrue(signIn.contains("href=\"/login/sso?org=\(organization)&amp;next=%2F\""), signIn)
        // The provider is down (nothing listens on port 9): said so, the password still offered.
        let down = client.get("/login/sso?org=\(organization)")
        XCTAssertEqual(down.status, 503)
        XCTAssertEqual(client.header(down, "Retry-After"), "30")
        XCTAssertTrue(client.text(down).contains("The identity provider cannot be reached now") && client.text(down).contains("or sign in with your password"))
        XCTAssertEqual(client.get("/login/sso?org=999999").status, 404)
        XCTAssertEqual(client.get("/login/sso?org=x").status, 404)
    }

    func testBadValuesAreSaidByFieldAndNothingIsSaved() throws {
        let (client, organization) = try client()
        let bad = try client.post("/sso", [("org", String(organization)), ("issuer", "http://idp.example.com"), ("client_id", ""), ("client_secret", "typed\nnot-echoed"),
                                           ("role_claim", "my groups"), ("role_mapping", "console-admins = Owner")])
        XCTAssertEqual(bad.status, 400)
        let page = client.text(bad)
        XCTAssertTrue(page.contains("Enter the issuer&#39;s https address") && page.contains("Enter the client id")
                      && page.contains("Enter the client secret on one line") && page.contains("Enter a claim name without spaces")
                      && page.contains("Line 1 must read like"), page)
        XCTAssertFalse(page.contains("not-echoed"))
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM sign_on_settings"), 0)
        // A first save needs a secret.
        let noSecret = try client.post("/sso", form(organization).map { $0.0 == "client_secret" ? ($0.0, "") : $0 })
        XCTAssertEqual(noSecret.status, 400)
        XCTAssertTrue(client.text(noSecret).contains("Enter the client secret the provider gave"))
        // Another organization's settings: 404 like a missing one; an officer: 403.
        let other = try client.scalar("SELECT max(id) FROM organizations WHERE id NOT IN (SELECT org_id FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.email = \(p: 1))",
                                      [.text(DemoData.adminEmail)])
        if other > 0 { XCTAssertEqual(try client.post("/sso", form(other)).status, 404) }
        client.signOut()
        try client.signIn(DemoData.officerEmail)
        XCTAssertEqual(try client.post("/sso", form(organization)).status, 403)
    }

    func testRequiredSingleSignOnTurnsAMembersPasswordAwayButNotTheFirstAdmins() throws {
        let (client, organization) = try client()
        XCTAssertEqual(try client.post("/sso", form(organization, required: true)).status, 200)
        client.signOut()
        let form = client.get("/login")
        XCTAssertEqual(form.status, 200)
        let refused = client.request("POST", "/login", form: [("csrf", client.cookies[SignInPage.formToken.cookie] ?? ""), ("email", DemoData.officerEmail),
                                                              ("password", TestClient.password)])
        XCTAssertEqual(refused.status, 403)
        XCTAssertTrue(client.text(refused).contains("Your organization signs in with single sign-on"))
        XCTAssertThrowsError(try client.signIn(DemoData.officerEmail)) { error in
            XCTAssertTrue("\(error)".contains("failed: 403"), "\(error)")
        }
        // A wrong password reads as before: nothing tells a guesser that the account uses single sign-on.
        XCTAssertThrowsError(try client.signIn(DemoData.officerEmail, password: "not-the-password-at-all")) { error in
            XCTAssertTrue("\(error)".contains("failed: 401"), "\(error)")
        }
        XCTAssertNoThrow(try client.signIn(DemoData.adminEmail), "the installation's first Admin keeps the password")
        // Turned off: the password works again.
        XCTAssertEqual(try client.post("/sso", [("org", String(organization)), ("action", "remove")]).status, 200)
        client.signOut()
        XCTAssertNoThrow(try client.signIn(DemoData.officerEmail))
    }

    func testACallbackWorksOnlyWithItsBrowsersCookieAndWithinTenMinutes() throws {
        let (client, organization) = try client()
        XCTAssertEqual(try client.post("/sso", form(organization)).status, 200)
        client.signOut()
        let state = String(repeating: "t", count: 43), other = String(repeating: "o", count: 43)
        let database = try client.otherConnection()
        for (text, age) in [(state, 601.0), (other, 0.0)] {
            try database.run("INSERT INTO sign_on_attempts (state_hash, org_id, nonce, verifier, next, created_at) VALUES (sha256_hex(\(p: 1)), \(p: 2), 'n', 'v', '/', \(p: 3))",
                             [.text(text), .init(organization), .text(DateText.store(Date().addingTimeInterval(-age)))])
        }
        // Older than ten minutes: refused, and gone.
        client.cookies[SingleSignOnPages.stateCookie] = state
        let late = client.get("/login/sso/callback?code=c&state=\(state)")
        XCTAssertEqual(late.status, 400)
        XCTAssertTrue(client.text(late).contains("already used or has expired"))
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM sign_on_attempts WHERE state_hash = sha256_hex(\(p: 1))", [.text(state)]), 0)
        // Another browser's state (its cookie does not match): refused, and that sign-in stays for its own browser.
        client.cookies[SingleSignOnPages.stateCookie] = state
        XCTAssertEqual(client.get("/login/sso/callback?code=c&state=\(other)").status, 400)
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM sign_on_attempts WHERE state_hash = sha256_hex(\(p: 1))", [.text(other)]), 1)
        // The provider's refusal is said, with its words bounded.
        let denied = client.get("/login/sso/callback?error=access_denied&error_description=" + String(repeating: "x", count: 500))
        XCTAssertEqual(denied.status, 401)
        XCTAssertFalse(client.text(denied).contains(String(repeating: "x", count: 201)))
    }
}
