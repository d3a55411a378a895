import Domain
import FastCGI
import Foundation
import Storage
import XCTest
@testable import Web

/// Adding someone on /users is an invitation they accept: the Admin learns nothing of whether the
/// address has an account, and nobody is added without saying yes (by the emailed link, which
/// creates the account of an unknown address, or at their next sign-in).
final class UserInvitationTests: XCTestCase {
    func organization(_ client: TestClient, index: Int) throws -> Int {
        try client.scalar("SELECT id FROM organizations ORDER BY id LIMIT 1 OFFSET \(p: 1)", [.init(index)])
    }

    func invite(_ client: TestClient, _ email: String, org: Int, role: String = "Viewer") throws -> Response {
        try client.post("/users", [("org", String(org)), ("action", "add"), ("email", email), ("role", role)])
    }

    /// The link of the newest invitation to `email`, from the email as sent (it is drawn then; only its hash is stored).
    func link(_ client: TestClient, to email: String) throws -> String {
        try XCTUnwrap(client.sendEmails().last { $0.item.kind == .userInvitation && $0.item.recipient == email }).path("/invitation/")
    }

    func role(_ client: TestClient, _ email: String, org: Int) throws -> Int {
        try client.scalar("SELECT count(*) FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.email = \(p: 1) AND r.org_id = \(p: 2)",
                          [.text(email), .init(org)])
    }

    func testTheAnswerIsTheSameForAKnownAndAnUnknownAddressAndNobodyIsAddedWithoutAsking() throws {
        let client = try TestClient()
        try client.signIn(DemoData.adminEmail)
        let first = try organization(client, index: 0)
        // viewer@demo.test has an account (a Viewer of the second organization); nobody.yet@demo.test has none.
        let known = try invite(client, DemoData.viewerEmail, org: first)
        let unknown = try invite(client, "nobody.yet@demo.test", org: first)
        XCTAssertEqual(known.status, 200)
        XCTAssertEqual(unknown.status, known.status)
        XCTAssertTrue(client.text(known).contains("An invitation was sent to \(DemoData.viewerEmail)."))
        XCTAssertTrue(client.text(unknown).contains("An invitation was sent to nobody.yet@demo.test."))
        func notice(_ response: Response, _ email: String) throws -> String {
            let text = client.text(response)
            let start = try XCTUnwrap(text.range(of: "<p class=\"notice success"))
            return String(text[start.lowerBound...].prefix { $0 != "\n" }).replacingOccurrences(of: email, with: "X")
        }
        XCTAssertEqual(try notice(known, DemoData.viewerEmail), try notice(unknown, "nobody.yet@demo.test"), "the same answer either way")
        XCTAssertEqual(try role(client, DemoData.viewerEmail, org: first), 0, "not added until they accept")
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM users WHERE email = 'nobody.yet@demo.test'"), 0)
        let page = client.text(client.get("/users?org=\(first)"))
        XCTAssertTrue(page.contains("Pending invitations") && page.contains("nobody.yet@demo.test") && page.contains(DemoData.viewerEmail))
        // A member is already on the Admin's own list: that much may be said.
        let second = try organization(client, index: 1)
        XCTAssertEqual(try invite(client, DemoData.viewerEmail, org: second).status, 409)
        XCTAssertEqual(try invite(client, "not-an-email", org: first).status, 400)
        // Each invitation is an email to any address: an organization sends a bounded number a day.
        let admin = try XCTUnwrap(Accounts(database: client.otherConnection()).access(userID: client.scalar("SELECT id FROM users WHERE email = \(p: 1)",
                                                                                                            [.text(DemoData.adminEmail)])))
        var third = InviteUser(email: "third@demo.test", role: .viewer, to: first)
        third.dailyLimit = 2
        XCTAssertThrowsError(try third.run(by: admin, in: client.otherConnection())) { error in
            guard case UserError.tooManyRequests = error else { return XCTFail("\(error)") }
        }
    }

    func testAnUnknownAddressCreatesItsAccountByTheLinkOnce() throws {
        let client = try TestClient()
        try client.signIn(DemoData.adminEmail)
        let first = try organization(client, index: 0)
        XCTAssertEqual(try invite(client, "new.person@demo.test", org: first, role: "Connections officer").status, 200)
        let path = try link(client, to: "new.person@demo.test")
        let person = TestClient.sharing(client)
        let shown = person.get(path)
        XCTAssertEqual(shown.status, 200)
        XCTAssertTrue(person.text(shown).contains("Connections officer") && person.text(shown).contains("name=\"password\""))
        let short = person.request("POST", path, form: [("action", "accept"), ("name", "New Person"), ("password", "short")])
        XCTAssertEqual(short.status, 400)
        XCTAssertTrue(person.text(short).contains("at least 12 characters"))
        let accepted = person.request("POST", path, form: [("action", "accept"), ("name", "<b>New</b> Person"), ("password", "a long first password")])
        XCTAssertEqual(accepted.status, 200)
        XCTAssertTrue(person.text(accepted).contains("You joined"))
        XCTAssertEqual(try role(client, "new.person@demo.test", org: first), 1)
        XCTAssertEqual(person.get(path).status, 404, "a link is used once")
        let audit = client.text(client.get("/audit?org=\(first)"))
        XCTAssertTrue(audit.contains("User invited") && audit.contains("Invitation accepted"))
        client.signOut()
        try client.signIn("new.person@demo.test", password: "a long first password")
        XCTAssertEqual(client.get("/connections?org=\(first)").status, 200, "sign-in works with the password chosen")
    }

    func testAKnownPersonAcceptsOrDeclinesAtTheirNextSignInAndARevokedInvitationIsGone() throws {
        let client = try TestClient()
        try client.signIn(DemoData.adminEmail)
        let (first, third) = (try organization(client, index: 0), try organization(client, index: 2))
        _ = try invite(client, DemoData.viewerEmail, org: first, role: "Connections officer")
        _ = try invite(client, DemoData.viewerEmail, org: third)
        client.signOut()
        XCTAssertEqual(client.get("/login").status, 200)
        let signedIn = client.request("POST", "/login", form: [("csrf", client.cookies[SignInPage.formToken.cookie] ?? ""),
                                                               ("email", DemoData.viewerEmail), ("password", TestClient.password),
                                                               ("next", "/requests")])
        XCTAssertEqual(client.header(signedIn, "Location"), "/invitations?next=%2Frequests", "shown the invitations first")
        let page = client.text(client.get("/invitations?next=/requests"))
        let ids = try client.otherConnection().query("SELECT id, org_id FROM user_invitations ORDER BY org_id") { ($0.int(0), $0.int(1)) }
        XCTAssertTrue(page.contains("Accept") && page.contains("Decline") && page.contains("href=\"/requests\""))
        XCTAssertEqual(try client.post("/invitations", [("invitation", String(ids[0].0)), ("action", "accept")]).status, 200)
        XCTAssertEqual(try client.post("/invitations", [("invitation", String(ids[1].0)), ("action", "decline")]).status, 200)
        XCTAssertEqual(try role(client, DemoData.viewerEmail, org: first), 1)
        XCTAssertEqual(try role(client, DemoData.viewerEmail, org: third), 0)
        XCTAssertEqual(try client.post("/invitations", [("invitation", String(ids[1].0)), ("action", "accept")]).status, 404, "answered once")
        client.signOut()
        try client.signIn(DemoData.adminEmail)

        // Revoked: the link and the sign-in no longer offer it.
        _ = try invite(client, "later@demo.test", org: first)
        let path = try link(client, to: "later@demo.test")
        let id = try client.scalar("SELECT id FROM user_invitations WHERE email = 'later@demo.test'")
        let revoked = try client.post("/users", [("org", String(first)), ("action", "revoke"), ("invitation", String(id))])
        XCTAssertEqual(revoked.status, 200)
        XCTAssertTrue(client.text(revoked).contains("was revoked") && !client.text(revoked).contains("Pending invitations"))
        XCTAssertEqual(TestClient.sharing(client).get(path).status, 404)
    }
}
