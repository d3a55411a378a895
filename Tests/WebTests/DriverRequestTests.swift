import Domain
import FastCGI
import Foundation
import Storage
import XCTest
@testable import Web

/// A driver's request, in-process: what an email proves (nothing, yet), what a repeat request may
/// learn and change (nothing), whose name a request carries, the limits and single-use forms, and
/// lengths counted as the database counts them.
final class DriverRequestTests: XCTestCase, DriverFixtures {
    var made = 0

    // MARK: 1. An email domain proves nothing yet

    func testAnEmailDomainMatchIsHeldPendingAndMarkedForTheHost() throws {
        let client = try TestClient()
        let connection = try makeConnection(client, approval: "Automatically approve by email domain", domains: ["acme.example"])
        let ceo = try statusToken(of: join(client, connection.token, name: "Not The CEO", email: "ceo@acme.example"), client)
        let other = try statusToken(of: join(client, connection.token, name: "Someone Else", email: "someone@elsewhere.example"), client)
        for token in [ceo, other] {
            let page = client.text(client.get("/status/\(token)"))
            XCTAssertTrue(page.contains("role=\"status\">Pending<"), "a domain match connects no one by itself")
            XCTAssertFalse(page.contains("You're connected"))
        }
        XCTAssertEqual(try client.scalar("SELECT connected_drivers FROM connections WHERE id = \(p: 1)", [.init(connection.id)]), 0)
        XCTAssertEqual(try client.scalar("SELECT pending_requests FROM connections WHERE id = \(p: 1)", [.init(connection.id)]), 2)

        // The host sees the match as a mark on the request, and decides.
        try client.signIn(DemoData.adminEmail)
        let page = client.text(client.get("/connections/\(connection.id)/requests")).replacingOccurrences(of: "<wbr>", with: "")  // an address may break at @ and .
        let rows = page.components(separatedBy: "<tr>").filter { $0.contains("name=\"m\"") }
        let ceoRow = try XCTUnwrap(rows.first { $0.contains("ceo@acme.example") })
        let otherRow = try XCTUnwrap(rows.first { $0.contains("someone@elsewhere.example") })
        XCTAssertTrue(ceoRow.contains("email domain matches"), ceoRow)
        XCTAssertFalse(otherRow.contains("email domain matches"), otherRow)
        XCTAssertTrue(client.text(client.get("/requests")).contains("email domain matches"), "the list of every connection marks it too")
    }

    /// The driver reads a denial's reason on their status page and in an email: line breaks stay,
    /// other control characters and direction overrides are refused, as in names.
    func testADenialsReasonKeepsLineBreaksAndRefusesControlCharacters() throws {
        let client = try TestClient()
        let connection = try makeConnection(client, questions: ["Employee ID"])
        let token = try statusToken(of: join(client, connection.token, name: "Rita Reason", email: "rita@reason.example", answers: ["R-1"]), client)
        try client.signIn(DemoData.adminEmail)
        let id = try membershipID(ofStatus: token, client)
        for bad in ["a\u{0001}b", "Badge \u{202E}verified", "tab\there"] {
            let refused = try client.post("/requests/decide", [("m", "\(id)"), ("action", "deny"), ("reason", bad), ("back", "/requests")])
            XCTAssertEqual(refused.status, 400, bad)
            XCTAssertTrue(client.text(refused).contains("no other control characters"), bad)
        }
        XCTAssertEqual(try membership(client, connection: connection.id, email: "rita@reason.example").first, "Pending")
        XCTAssertEqual(try client.post("/requests/decide", [("m", "\(id)"), ("action", "deny"), ("reason", "Badge revoked.\r\nAsk HR."),
                                                            ("back", "/requests")]).status, 303)
        XCTAssertEqual(try membership(client, connection: connection.id, email: "rita@reason.example").prefix(2), ["Denied", "Badge revoked.\nAsk HR."])
    }

    // MARK: 2. A repeat request learns nothing and changes nothing

    func testARepeatRequestForAnotherDriversEmailRevealsNothingAndChangesNothing() throws {
        let client = try TestClient()
        let connection = try makeConnection(client, questions: ["Employee ID"])
        let victimToken = try statusToken(of: join(client, connection.token, name: "Vera Victim", email: "vera@victim.example", answers: ["V-1"]), client)
        let pendingToken = try statusToken(of: join(client, connection.token, name: "Paul Pending", email: "paul@victim.example", answers: ["P-1"]), client)
        try client.signIn(DemoData.adminEmail)
        let id = try membershipID(ofStatus: victimToken, client)
        XCTAssertEqual(try client.post("/requests/decide", [("m", "\(id)"), ("action", "deny"), ("reason", "Badge 4471 is revoked"),
                                                            ("back", "/requests")]).status, 303)
        let victimBefore = try membership(client, connection: connection.id, email: "vera@victim.example")
        let pendingBefore = try membership(client, connection: connection.id, email: "paul@victim.example")
        XCTAssertEqual(victimBefore.first, "Denied")

        // The attacker: another browser, the victims' emails, answers of their own.
        let attacker = TestClient.sharing(client)
        var answers: [String] = []
        for email in ["vera@victim.example", "VERA@victim.example", "paul@victim.example"] {
            let response = join(attacker, connection.token, name: "Mallory", email: email, answers: ["M-666"])
            XCTAssertEqual(response.status, 200, email)
            XCTAssertNil(attacker.header(response, "Location"), "no redirect to anyone's status page")
            let body = attacker.text(response)
            for secret in [victimToken, pendingToken, "Vera Victim", "Paul Pending", "Badge 4471", "Denied", "Pending", "V-1", "P-1"] {
                XCTAssertFalse(body.contains(secret), "the answer for \(email) shows \(secret)")
            }
            XCTAssertTrue(body.contains("has already asked to join"), body)
            answers.append(body)
        }
        XCTAssertEqual(Set(answers).count, 1, "a Denied and a Pending request get the same answer: their state is not told")
        XCTAssertEqual(try membership(client, connection: connection.id, email: "vera@victim.example"), victimBefore,
                       "the Denied request is not re-opened, its answers, name and time unchanged")
        XCTAssertEqual(try membership(client, connection: connection.id, email: "paul@victim.example"), pendingBefore)
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM memberships WHERE connection_id = \(p: 1)", [.init(connection.id)]), 2)
    }

    func testADeniedOrRemovedDriverAsksAgainFromTheirStatusPage() throws {
        let client = try TestClient()
        // On "approve all" a removed driver asking again would otherwise be connected at once, undoing the host's decision.
        let connection = try makeConnection(client, approval: "Automatically approve all", questions: ["Employee ID"])
        let driver = TestClient.sharing(client)
        let token = try statusToken(of: join(driver, connection.token, name: "Rita Return", email: "rita@example.test", answers: ["R-1"]), driver)
        XCTAssertTrue(driver.text(driver.get("/status/\(token)")).contains("role=\"status\">Connected<"))
        XCTAssertFalse(driver.text(driver.get("/status/\(token)")).contains("Ask again"), "only a Denied or Removed driver asks again")
        try client.signIn(DemoData.adminEmail)
        let id = try membershipID(ofStatus: token, client)
        XCTAssertEqual(try client.post("/requests/decide", [("m", "\(id)"), ("action", "remove"), ("back", "/requests")]).status, 303)

        // The join form does not re-open it.
        XCTAssertEqual(join(driver, connection.token, name: "Rita Return", email: "rita@example.test", answers: ["R-2"]).status, 200)
        XCTAssertEqual(try membership(client, connection: connection.id, email: "rita@example.test").first, "Removed")

        // The status page does, with the earlier answer filled in.
        let page = driver.text(driver.get("/status/\(token)"))
        XCTAssertTrue(page.contains("role=\"status\">Removed<") && page.contains("Ask again"), page)
        XCTAssertTrue(page.contains("action=\"/status/\(token)/again\"") && page.contains("value=\"R-1\""))
        let csrf = try XCTUnwrap(driver.cookies[DriverPages.askAgainToken.cookie])
        let form = [("csrf", csrf), ("name", "Rita Returned"), ("answer-0", "R-3"), ("terms", "yes")]
        // Another site's form (no cookie) is refused.
        let forged = TestClient.sharing(client).request("POST", "/status/\(token)/again", form: form)
        XCTAssertEqual(forged.status, 403)
        XCTAssertEqual(try membership(client, connection: connection.id, email: "rita@example.test").first, "Removed")
        // Unanswered, it says which field.
        let unanswered = driver.request("POST", "/status/\(token)/again", form: [("csrf", csrf), ("name", "Rita"), ("answer-0", " "), ("terms", "yes")])
        XCTAssertEqual(unanswered.status, 400)
        XCTAssertTrue(driver.text(unanswered).contains("Answer this question."))

        let fresh = try XCTUnwrap(driver.cookies[DriverPages.askAgainToken.cookie])
        let asked = driver.request("POST", "/status/\(token)/again", form: [("csrf", fresh)] + form.dropFirst())
        XCTAssertEqual(asked.status, 303)
        XCTAssertEqual(driver.header(asked, "Location"), "/status/\(token)")
        let after = try membership(client, connection: connection.id, email: "rita@example.test")
        XCTAssertEqual(after[0], "Pending", "the host decided on this driver before: the host decides again")
        XCTAssertEqual(after[3], "Rita Returned")
        XCTAssertEqual(after[5], "R-3")
        XCTAssertTrue(driver.text(driver.get("/status/\(token)")).contains("role=\"status\">Pending<"))
        // The same form again is spent.
        XCTAssertEqual(driver.request("POST", "/status/\(token)/again", form: [("csrf", fresh)] + form.dropFirst()).status, 403)
    }

    // MARK: 3. A name belongs to its request

    func testTheNameADriverTypedBelongsToThatRequestOnly() throws {
        let client = try TestClient()
        let firstOrg = try client.scalar("SELECT min(id) FROM organizations")
        let secondOrg = try client.scalar("SELECT min(id) FROM organizations WHERE id > \(p: 1)", [.init(firstOrg)])
        let first = try makeConnection(client, org: firstOrg)
        let second = try makeConnection(client, org: secondOrg)
        let firstStatus = try statusToken(of: join(client, first.token, name: "Alex Original", email: "alex@shared.example"), client)
        let secondStatus = try statusToken(of: join(client, second.token, name: "Impostor Name", email: "alex@shared.example"), client)

        XCTAssertTrue(client.text(client.get("/status/\(firstStatus)")).contains("Thanks, Alex Original."))
        XCTAssertTrue(client.text(client.get("/status/\(secondStatus)")).contains("Thanks, Impostor Name."))
        try client.signIn(DemoData.adminEmail)
        let firstPage = client.text(client.get("/connections/\(first.id)/requests"))
        let secondPage = client.text(client.get("/connections/\(second.id)/requests"))
        XCTAssertTrue(firstPage.contains("Alex Original") && !firstPage.contains("Impostor Name"), "the first organization sees the name typed for it")
        XCTAssertTrue(secondPage.contains("Impostor Name") && !secondPage.contains("Alex Original"), "the second sees its own")
    }

    // MARK: 4. Limits and single-use forms

    func testAFormIsGoodForOneRequest() throws {
        let client = try TestClient()
        let connection = try makeConnection(client)
        XCTAssertEqual(client.get("/join/\(connection.token)").status, 200)
        let cookie = try XCTUnwrap(client.cookies[DriverPages.formToken.cookie])
        let form = [("csrf", cookie), ("name", "Replay"), ("email", "replay@example.test"), ("terms", "yes")]
        // A script that keeps sending the same body and cookie.
        let replayer = TestClient.sharing(client)
        var statuses: [Int] = []
        for email in ["replay@example.test", "replay@example.test", "other.replay@example.test"] {
            replayer.cookies = [DriverPages.formToken.cookie: cookie]
            let response = replayer.request("POST", "/join/\(connection.token)", form: form.map { $0.0 == "email" ? ("email", email) : $0 })
            statuses.append(response.status)
            if response.status == 403 { XCTAssertTrue(replayer.text(response).contains("This form had expired"), replayer.text(response)) }
        }
        XCTAssertEqual(statuses, [303, 403, 403])
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM memberships WHERE connection_id = \(p: 1)", [.init(connection.id)]), 1)
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM drivers WHERE email = 'other.replay@example.test'"), 0)
        // A token drawn more than a day ago is refused too, before anything is written.
        let old = "AAAAAAAAAAAAAAAAAAAAAA." + String(Int(Date().timeIntervalSince1970) - 2 * 86_400, radix: 36)
        replayer.cookies = [DriverPages.formToken.cookie: old]
        let stale = replayer.request("POST", "/join/\(connection.token)", form: [("csrf", old), ("name", "Old"), ("email", "old@example.test"), ("terms", "yes")])
        XCTAssertEqual(stale.status, 403)
    }

    func testJoinRequestsAreLimitedPerAddress() throws {
        let client = try TestClient()
        let first = try makeConnection(client), second = try makeConnection(client)
        client.remoteAddress = "203.0.113.7"
        for n in 0..<JoinLimits.perAddress {
            XCTAssertEqual(join(client, n % 2 == 0 ? first.token : second.token, email: "crowd\(n)@example.test").status, 303, "request \(n)")
        }
        let refused = join(client, first.token, name: "One Too Many", email: "too.many@example.test")
        XCTAssertEqual(refused.status, 429)
        let retry = try XCTUnwrap(Int(client.header(refused, "Retry-After") ?? ""))
        XCTAssertTrue((1...Int(JoinLimits.window)).contains(retry), "\(retry)")
        let page = client.text(refused)
        XCTAssertTrue(page.contains("Too many requests to join were sent from your network"), page)
        XCTAssertTrue(page.contains("value=\"One Too Many\""), "the form keeps what was typed")
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM drivers WHERE email = 'too.many@example.test'"), 0)
        // Another address is not held back; an IPv6 address counts by its /64.
        client.remoteAddress = "198.51.100.9"
        XCTAssertEqual(join(client, first.token, email: "elsewhere@example.test").status, 303)
        XCTAssertEqual(JoinLimits.addressSubject("2001:db8:1:2:aaaa::1"), JoinLimits.addressSubject("2001:DB8:1:2:bbbb:cccc:dddd:eeee"))
        XCTAssertNotEqual(JoinLimits.addressSubject("2001:db8:1:2::1"), JoinLimits.addressSubject("2001:db8:1:3::1"))
        XCTAssertEqual(JoinLimits.addressSubject("::ffff:192.0.2.1"), JoinLimits.addressSubject("192.0.2.1"))
    }

    func testJoinRequestsAreLimitedPerConnection() throws {
        let client = try TestClient()
        let connection = try makeConnection(client)
        for n in 0..<JoinLimits.perConnection {
            client.remoteAddress = "10.\(n / 250).\(n % 250).1"
            XCTAssertEqual(join(client, connection.token, email: "queue\(n)@example.test").status, 303, "request \(n)")
        }
        client.remoteAddress = "192.0.2.200"
        let refused = join(client, connection.token, email: "flood@example.test")
        XCTAssertEqual(refused.status, 429)
        XCTAssertNotNil(client.header(refused, "Retry-After"))
        XCTAssertTrue(client.text(refused).contains("This connection has had too many requests"))
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM memberships WHERE connection_id = \(p: 1)", [.init(connection.id)]), JoinLimits.perConnection)
        // Other connections still take requests from that address.
        XCTAssertEqual(join(client, try makeConnection(client).token, email: "flood@example.test").status, 303)
    }

    // MARK: 8. Lengths as the database counts them, no control characters

    func testNamesAndAnswersAreCheckedAsTheDatabaseChecksThemNeverA500() throws {
        let client = try TestClient()
        let connection = try makeConnection(client, questions: ["Employee ID"])
        let accented = "e\u{301}"   // one Character, two scalars: SQLite's length() counts 2
        let thumb = "👍🏽"           // one Character, two scalars
        let nameMessage = "Enter your name (up to 200 characters)."
        let controlName = "Your name cannot contain line breaks, tabs or other control characters."
        let controlAnswer = "An answer cannot contain line breaks, tabs or other control characters."
        let cases: [(name: String, email: String, answer: String, message: String)] = [
            (String(repeating: accented, count: 101), "n1@example.test", "A", nameMessage),
            (String(repeating: thumb, count: 200), "n2@example.test", "A", nameMessage),
            (String(repeating: "x", count: 201), "n3@example.test", "A", nameMessage),
            ("\u{0}Ada", "n4@example.test", "A", controlName),
            ("Ada\u{0}", "n5@example.test", "A", controlName),
            ("Ada\nLovelace", "n6@example.test", "A", controlName),
            ("Ada\tLovelace", "n7@example.test", "A", controlName),
            ("Ada", "a1@example.test", String(repeating: accented, count: 251), "Keep the answer under 500 characters."),
            ("Ada", "a2@example.test", String(repeating: thumb, count: 300), "Keep the answer under 500 characters."),
            ("Ada", "a3@example.test", "E-\u{0}1", controlAnswer),
            ("Ada", "a4@example.test", "\u{0}", controlAnswer),
            ("Ada", "a5@example.test", "E-1\r\nE-2", controlAnswer),
            ("Ada", "a6@example.test", "E\u{1B}[31m", controlAnswer),
            ("Ada", String(repeating: accented, count: 125) + "@example.test", "A", "Enter an email address like name@example.com."),
        ]
        for item in cases {
            let response = join(client, connection.token, name: item.name, email: item.email, answers: [item.answer])
            XCTAssertEqual(response.status, 400, "\(item.email): \(client.text(response).prefix(300))")
            XCTAssertTrue(client.text(response).contains(item.message), "\(item.email) should say: \(item.message)")
        }
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM memberships WHERE connection_id = \(p: 1)", [.init(connection.id)]), 0)

        // Up to the limit, as the database counts it, is accepted and stored as typed.
        let longest = String(repeating: accented, count: 100)
        let answer = String(repeating: thumb, count: 250)
        _ = try statusToken(of: join(client, connection.token, name: "  " + longest + " ", email: "ok@example.test", answers: [answer]), client)
        let stored = try membership(client, connection: connection.id, email: "ok@example.test")
        XCTAssertEqual(stored[3], longest)
        XCTAssertEqual(stored[5], answer)
        XCTAssertEqual(StoredText.length(longest), 200)
        XCTAssertEqual(StoredText.length("  a b  "), 3, "trim() removes spaces only")
        XCTAssertEqual(StoredText.length("\ta\n"), 3, "not tabs or line breaks")
    }
}

/// A browser: its cookies, and requests to the handler.
protocol Browsing: AnyObject {
    var cookies: [String: String] { get set }
    func send(_ method: String, _ target: String, form: [(String, String)]) -> Response
    func text(_ response: Response) -> String
    func header(_ response: Response, _ name: String) -> String?
}

extension TestClient: Browsing {
    func send(_ method: String, _ target: String, form: [(String, String)]) -> Response { request(method, target, form: form) }

    /// Another browser on the same database: its own cookies, the same handler.
    static func sharing(_ client: TestClient) -> TestClient.Browser { Browser(client) }

    /// A browser of its own (cookies, address) that speaks to another client's handler.
    final class Browser: Browsing {
        let client: TestClient
        var cookies: [String: String] = [:]
        var address = "192.0.2.66"

        init(_ client: TestClient) { self.client = client }

        func send(_ method: String, _ target: String, form: [(String, String)]) -> Response { request(method, target, form: form) }

        @discardableResult
        func request(_ method: String, _ target: String, form: [(String, String)] = []) -> Response {
            let saved = (client.cookies, client.remoteAddress)
            client.cookies = cookies
            client.remoteAddress = address
            defer {
                cookies = client.cookies
                (client.cookies, client.remoteAddress) = saved
            }
            return client.request(method, target, form: form)
        }

        func get(_ target: String) -> Response { request("GET", target) }
        func text(_ response: Response) -> String { client.text(response) }
        func header(_ response: Response, _ name: String) -> String? { client.header(response, name) }
    }
}
