import Domain
import FastCGI
import Foundation
import Storage
import XCTest
@testable import Web

/// Issue 12's findings that the web layer decides: return paths, who sees invite secrets, what ids
/// reveal, and what the address can make a page say.
final class SecurityTests: XCTestCase {
    func testReturnPathsNeverLeaveTheSite() throws {
        let client = try TestClient()
        _ = client.get("/login")
        let token = try XCTUnwrap(client.cookies[SignInPage.formToken.cookie])
        let answer = client.request("POST", "/login", form: [("csrf", token), ("email", DemoData.adminEmail), ("password", TestClient.password),
                                                            ("next", "/\t/evil.example")])
        XCTAssertEqual(answer.status, 303)
        XCTAssertEqual(client.header(answer, "Location"), "/connections")
        let x = try client.scalar("SELECT min(id) FROM connections")
        for back in ["/\t/evil.example", "/\u{0}/evil.example", "//evil.example", "/\\evil.example"] {
            let status = try client.post("/connections/\(x)/status", [("status", "Enabled"), ("back", back)])
            XCTAssertEqual(client.header(status, "Location"), "/connections", back)
            let decided = try client.post("/requests/decide", [("action", "approve"), ("back", back),
                                                               ("m", String(try client.scalar("SELECT min(id) FROM memberships WHERE state = 'Pending'")))])
            let location = try XCTUnwrap(client.header(decided, "Location"))
            XCTAssertTrue(location.hasPrefix("/connections?"), location)
        }
    }

    func testViewersSeeNoInviteSecretsAnywhere() throws {
        let client = try TestClient()
        try client.signIn(DemoData.viewerEmail)
        let org = try client.scalar("SELECT min(org_id) FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.email = \(p: 1)", [.text(DemoData.viewerEmail)])
        let secrets = try client.otherConnection().query("SELECT search_code, invite_token FROM connections WHERE org_id = \(p: 1)", [.init(org)]) {
            [$0.text(0), $0.text(1)]
        }.flatMap { $0 }
        XCTAssertFalse(secrets.isEmpty)
        func assertNoSecret(_ text: String, _ what: String) {
            for secret in secrets where text.contains(secret) { XCTFail("\(what) shows \(secret)") }
        }
        let table = client.text(client.get("/connections?cols=name,search_code,invite_link&size=200"))
        assertNoSecret(table, "the table with cols=")
        XCTAssertFalse(table.contains(">Search Code<"))
        let picker = client.text(client.get("/connections?edit=columns"))
        XCTAssertFalse(picker.contains("Search Code") || picker.contains("Invite Link"), "the picker offers no secret column")
        for scope in ["all", "visible"] {
            let export = try client.post("/connections/export", [("format", "csv"), ("scope", scope), ("state", "cols=name,search_code,invite_link")])
            XCTAssertEqual(export.status, 200)
            let csv = client.text(export)
            assertNoSecret(csv, "the \(scope) export")
            XCTAssertFalse(csv.contains("Search Code") || csv.contains("Invite Link"), scope)
        }
        XCTAssertEqual(client.get("/connections?f=search_code&op=starts&v=A").status, 403, "no filtering by a secret")
        XCTAssertEqual(client.get("/connections?sort=invite_link").status, 403, "no sorting by a secret")
        XCTAssertEqual(try client.post("/connections/export", [("format", "csv"), ("state", "f=search_code&op=starts&v=A")]).status, 403)
        XCTAssertEqual(try client.post("/connections/bulk", [("action", "disable"), ("all", "1"), ("state", "f=search_code&op=starts&v=A")]).status, 403)
        let catalog = client.text(client.get(try XCTUnwrap(table.firstMatch(of: /\/connections\/filter-catalog\?[^"]+/).map { String($0.0) })
            .replacingOccurrences(of: "&amp;", with: "&")))
        XCTAssertFalse(catalog.contains("search_code"), "the filter drop-down offers no secret column")

        // The officer invites drivers in their organization: there the columns show.
        client.signOut()
        try client.signIn(DemoData.officerEmail)
        let officerOrg = try client.scalar("SELECT min(org_id) FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.email = \(p: 1)",
                                           [.text(DemoData.officerEmail)])
        let code = try client.otherConnection().query("SELECT search_code FROM connections WHERE org_id = \(p: 1) ORDER BY \(caseless: "name"), id LIMIT 1",
                                                      [.init(officerOrg)]) { $0.text(0) }[0]
        XCTAssertTrue(client.text(client.get("/connections?org=\(officerOrg)&cols=name,search_code")).contains(code))
    }

    func testAnotherOrganizationsIdsReadLikeMissingOnes() throws {
        let client = try TestClient()
        let other = try client.otherConnection()
        let first = try client.scalar("SELECT min(id) FROM organizations")
        let accounts = Accounts(database: other)
        let user = try accounts.createUser(email: "one-org-admin@example.test", name: "One Org", password: "a long enough password")
        try accounts.setRole(userID: user, organizationID: first, role: .admin)
        try client.signIn("one-org-admin@example.test", password: "a long enough password")
        let foreign = try client.scalar("SELECT min(id) FROM connections WHERE org_id <> \(p: 1)", [.init(first)])
        let missing = try client.scalar("SELECT max(id) + 1000 FROM connections")
        func answer(_ id: Int, _ make: (Int) throws -> Response) throws -> (Int, String) {
            let response = try make(id)
            let text = client.text(response).replacingOccurrences(of: String(id), with: "N")
            return (response.status, String(text.firstMatch(of: /<p[^>]*>[^<]*There is no[^<]*</)?.0 ?? ""))
        }
        let probes: [(Int) throws -> Response] = [
            { client.get("/connections/\($0)/invite") },
            { try client.post("/connections/\($0)/status", [("status", "Disabled")]) },
            { try client.post("/connections/bulk", [("row", "disable:\($0)"), ("state", "")]) },
        ]
        for probe in probes {
            let (foreignStatus, foreignText) = try answer(foreign, probe)
            let (missingStatus, missingText) = try answer(missing, probe)
            XCTAssertEqual(foreignStatus, 404)
            XCTAssertEqual(foreignStatus, missingStatus)
            XCTAssertEqual(foreignText, missingText)
            XCTAssertFalse(foreignText.isEmpty)
        }
        let foreignRequest = try client.scalar("SELECT min(m.id) FROM memberships m JOIN connections c ON c.id = m.connection_id WHERE c.org_id <> \(p: 1) AND m.state = 'Pending'",
                                               [.init(first)])
        let missingRequest = try client.scalar("SELECT max(id) + 1000 FROM memberships")
        let decide = { (id: Int) in try client.post("/requests/decide", [("action", "approve"), ("m", String(id))]) }
        let (a, aText) = try answer(foreignRequest, decide)
        let (b, bText) = try answer(missingRequest, decide)
        XCTAssertEqual(a, 404)
        XCTAssertEqual(a, b)
        XCTAssertEqual(aText, bText)
    }

    func testPagesSayOnlyWhatTheServerWrites() throws {
        let client = try TestClient()
        try client.signIn(DemoData.adminEmail)
        let forged = client.text(client.get("/connections?done=Your+account+is+suspended.+Call+555-0100"))
        XCTAssertFalse(forged.contains("suspended"))
        XCTAssertFalse(client.text(client.get("/connections?done=approved&n=3")).contains("drivers approved"), "a link made up elsewhere says nothing")
        XCTAssertFalse(client.text(client.get("/requests?done=Pay+here")).contains("Pay here"))

        // A bulk action on picked rows returns to the table with a notice, at a real address.
        let x = try client.scalar("SELECT min(id) FROM connections WHERE status = 'Enabled'")
        let done = try client.post("/connections/bulk", [("action", "disable"), ("confirm", "1"), ("state", "sel=\(x)")])
        XCTAssertEqual(done.status, 303)
        let location = try XCTUnwrap(client.header(done, "Location"))
        XCTAssertTrue(location.hasPrefix("/connections?bulk=") && location.hasSuffix("#bulk-outcome"), location)
        let target = String(location.prefix { $0 != "#" })
        XCTAssertTrue(client.text(client.get(target)).contains("Disabled 1 connection."))
        XCTAssertFalse(client.text(client.get(target.replacingOccurrences(of: "bulk=", with: "bulk=9"))).contains("Disabled 1 connection"),
                       "the change's id is signed too")
        // The same link in another user's session says nothing: it was signed for this one.
        let other = try TestClient()
        try other.signIn(DemoData.adminEmail)
        XCTAssertFalse(other.text(other.get(target)).contains("Disabled 1 connection"))
    }

    func testAHugeConnectionFormIsNotEchoedBackWhole() throws {
        let client = try TestClient()
        try client.signIn(DemoData.adminEmail)
        let questions = Array(repeating: ("question", String(repeating: "q", count: 200)), count: 5000)
        let answer = try client.post("/connections/new", [("name", String(repeating: "n", count: 100_000))] + questions)
        XCTAssertEqual(answer.status, 400)
        XCTAssertLessThan(client.bytes(answer).count, 200_000)
        XCTAssertTrue(client.text(answer).contains("Ask at most 20 questions") || client.text(answer).contains("1 to 100 characters"))
    }
}

/// Tokens of forms shown before any session exists are signed by the installation.
final class SignedFormTokenTests: XCTestCase {
    func testAMadeUpFormTokenIsRefusedAndAnIssuedOneWorks() throws {
        let client = try TestClient()
        let token = try client.otherConnection().query("SELECT invite_token FROM connections WHERE status = 'Enabled' AND questions_list = '' LIMIT 1") {
            $0.text(0)
        }[0]
        // What a script could make up: random text and the current time, paired with its cookie.
        let forged = "AAAAAAAAAAAAAAAAAAAAAA." + String(Int(Date().timeIntervalSince1970), radix: 36)
        for candidate in [forged, forged + ".AAAAAAAAAAAAAAAAAAAAAA", "ééééééééééé." + String(Int(Date().timeIntervalSince1970), radix: 36)] {
            client.cookies[DriverPages.formToken.cookie] = candidate
            let answer = client.request("POST", "/join/\(token)", form: [("csrf", candidate), ("name", "Made Up"),
                                                                          ("email", "made.up@example.test"), ("terms", "yes")])
            XCTAssertEqual(answer.status, 403, candidate)
        }
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM drivers WHERE email = 'made.up@example.test'"), 0)
        _ = client.get("/join/\(token)")
        let issued = try XCTUnwrap(client.cookies[DriverPages.formToken.cookie])
        XCTAssertEqual(issued.split(separator: ".").count, 3, "random.time.signature")
        let answer = client.request("POST", "/join/\(token)", form: [("csrf", issued), ("name", "Real Driver"),
                                                                      ("email", "real.driver@example.test"), ("terms", "yes")])
        XCTAssertEqual(answer.status, 303)
    }

}

/// The audit log of one organization's Admin shows nothing a member did in other organizations.
final class AuditScopeTests: XCTestCase {
    func testAnAdminOfOneOrganizationDoesNotReadAMembersActivityElsewhere() throws {
        let client = try TestClient()
        let other = try client.otherConnection()
        let viewerOrg = try client.scalar("SELECT min(org_id) FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.email = \(p: 1)",
                                          [.text(DemoData.viewerEmail)])
        let first = try client.scalar("SELECT min(id) FROM organizations WHERE id <> \(p: 1)", [.init(viewerOrg)])
        let accounts = Accounts(database: other)
        let admin = try accounts.createUser(email: "one-org@example.test", name: "One Org", password: "a long enough password")
        try accounts.setRole(userID: admin, organizationID: first, role: .admin)
        // The viewer joins the one-org Admin's organization too, then exports from all of theirs.
        let viewer = try XCTUnwrap(try accounts.userID(email: DemoData.viewerEmail))
        try accounts.setRole(userID: viewer, organizationID: first, role: .viewer)
        try client.signIn(DemoData.viewerEmail)
        XCTAssertEqual(try client.post("/connections/export", [("format", "csv"), ("state", "f=name&op=contains&v=TopSecretFilter")]).status, 200)
        _ = client.bytes(try client.post("/connections/export", [("format", "csv"), ("state", "")]))
        client.signOut()
        try client.signIn("one-org@example.test", password: "a long enough password")
        let page = client.text(client.get("/audit"))
        XCTAssertFalse(page.contains("TopSecretFilter"), "another organization's export")
        XCTAssertFalse(page.contains("Exported connections"))
        // An Admin of every organization the viewer belongs to does see it.
        client.signOut()
        try client.signIn(DemoData.adminEmail)
        XCTAssertTrue(client.text(client.get("/audit")).contains("Exported connections"))
    }
}
