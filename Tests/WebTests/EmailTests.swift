import Domain
import FastCGI
import Foundation
import Storage
import TestSupport
import XCTest
@testable import Web

/// Email in-process: each event queues its email in its own transaction (a rolled-back one none),
/// Admins see when email is not set up, a domain match is connected by its confirmation link
/// (once, while it works), new and repeat requests get the same answer, invites by email are
/// checked, limited and audited, hosts' digests come at most hourly and stop when asked, and what
/// each email says. Sending over a real SMTP server is tested end to end (Tests/e2e/test_email.py).
final class EmailTests: XCTestCase, DriverFixtures {
    var made = 0

    static let settings = try! SMTPSettings(url: "smtp://127.0.0.1:9", username: nil, password: nil,
                                            from: MailAddress(name: "Connections", address: "noreply@connect.example.test"))

    /// A console with email set up (nothing is sent in-process: no sender runs).
    func emailClient(invitesPerDay: Int = EmailInvites.perOrganizationPerDay) throws -> TestClient {
        try TestClient { configuration in
            configuration.smtp = Self.settings
            configuration.emailInvitesPerDay = invitesPerDay
        }
    }

    struct Queued {
        let id: Int
        let kind: String
        let recipient: String
        let payload: [String: String]
        let due: String
    }

    func outbox(_ client: TestClient, after id: Int = 0) throws -> [Queued] {
        try client.otherConnection().query("SELECT id, kind, recipient, payload, due_at FROM outbox WHERE id > \(p: 1) ORDER BY id", [.init(id)]) {
            Queued(id: $0.int(0), kind: $0.text(1), recipient: $0.text(2),
                   payload: JSON.strings($0.text(3)) ?? [:], due: $0.text(4))
        }
    }

    func lastOutboxID(_ client: TestClient) throws -> Int { try client.scalar("SELECT coalesce(max(id), 0) FROM outbox") }

    func hosts(_ client: TestClient, org: Int) throws -> Set<String> {
        Set(try client.otherConnection().query("""
            SELECT u.email FROM user_roles r JOIN users u ON u.id = r.user_id WHERE r.org_id = \(p: 1) AND r.role IN ('Admin', 'Connections officer')
            """, [.init(org)]) { $0.text(0) })
    }

    func decide(_ client: TestClient, _ ids: [Int], _ action: String, reason: String = "") throws -> Response {
        try client.post("/requests/decide", ids.map { ("m", "\($0)") } + [("action", action), ("reason", reason), ("back", "/requests")])
    }

    // MARK: 1. The outbox

    func testEachEventQueuesItsEmailInItsTransactionAndARolledBackOneNone() throws {
        let client = try TestClient()
        let org = try client.scalar("SELECT min(id) FROM organizations")
        let manual = try makeConnection(client)
        var last = try lastOutboxID(client)
        let first = try statusToken(of: join(client, manual.token, name: "Ana Driver", email: "ana@example.org"), client)
        var queued = try outbox(client, after: last)
        let received = try XCTUnwrap(queued.first { $0.kind == "request received" })
        XCTAssertEqual(received.recipient, "ana@example.org")
        XCTAssertEqual(try membershipID(ofStatus: XCTUnwrap(received.payload["statusToken"]), client), try membershipID(ofStatus: first, client),
                       "the email's own status link leads to the request")
        XCTAssertEqual(received.payload["driver"], "Ana Driver")
        XCTAssertEqual(Set(queued.filter { $0.kind == "digest" }.map(\.recipient)), try hosts(client, org: org),
                       "each officer and Admin of the organization hears of it")

        let second = try statusToken(of: join(client, manual.token, name: "Ben Driver", email: "ben@example.org"), client)
        let third = try statusToken(of: join(client, manual.token, name: "Cy Driver", email: "cy@example.org"), client)
        func id(_ token: String) throws -> Int { try membershipID(ofStatus: token, client) }
        try client.signIn(DemoData.adminEmail)
        last = try lastOutboxID(client)
        XCTAssertEqual(try decide(client, [id(first)], "approve").status, 303)
        XCTAssertEqual(try decide(client, [id(second)], "deny", reason: "Badge 4471 is revoked").status, 303)
        XCTAssertEqual(try decide(client, [id(first)], "remove").status, 303)
        queued = try outbox(client, after: last)
        XCTAssertEqual(queued.map(\.kind), ["request approved", "request denied", "driver removed"])
        XCTAssertEqual(queued.map(\.recipient), ["ana@example.org", "ben@example.org", "ana@example.org"])
        XCTAssertEqual(queued[1].payload["reason"], "Badge 4471 is revoked")

        // Approving Cy and Ana (Removed, not Pending) together fails whole: no email for Cy either.
        last = try lastOutboxID(client)
        XCTAssertEqual(try decide(client, [id(third), id(first)], "approve").status, 409)
        XCTAssertEqual(try outbox(client, after: last).count, 0, "a rolled-back decision sends nothing")
        XCTAssertEqual(try membership(client, connection: manual.id, email: "cy@example.org").first, "Pending")

        // Automatically approved: the driver hears they are connected.
        let everyone = try makeConnection(client, approval: "Automatically approve all")
        last = try lastOutboxID(client)
        _ = try statusToken(of: join(TestClient.sharing(client), everyone.token, email: "dee@example.org"), client)
        XCTAssertEqual(try outbox(client, after: last).map(\.kind), ["request approved"])
    }

    func testWithoutSMTPEverythingWorksAndAdminsSeeEmailIsNotSetUpWithTheCountWaiting() throws {
        let client = try TestClient()
        let connection = try makeConnection(client, approval: "Automatically approve by email domain", domains: ["acme.example"])
        // As before email: a new request goes to its status page, a domain match waits for the host, marked.
        let token = try statusToken(of: join(client, connection.token, email: "ceo@acme.example"), client)
        XCTAssertTrue(client.text(client.get("/status/\(token)")).contains("role=\"status\">Pending<"))
        XCTAssertFalse(client.text(client.get("/status/\(token)")).contains("Email not confirmed"))
        XCTAssertTrue(client.text(join(client, connection.token, email: "ceo@acme.example")).contains("has already asked to join"))
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM email_confirmations"), 0)

        try client.signIn(DemoData.adminEmail)
        XCTAssertTrue(client.text(client.get("/connections/\(connection.id)/requests")).contains("email domain matches"))
        let waiting = try client.scalar("SELECT count(*) FROM outbox WHERE state = 'queued'")
        XCTAssertGreaterThan(waiting, 0, "the outbox fills")
        let users = client.text(client.get("/users"))
        XCTAssertTrue(users.contains("Email is not set up.") && users.contains("\(waiting) emails are waiting"), users)
        let email = client.text(client.get("/email"))
        XCTAssertTrue(email.contains("Email is not set up.") && email.contains("Not set up: emails are kept in the outbox"), email)

        let configured = try emailClient()
        try configured.signIn(DemoData.adminEmail)
        XCTAssertFalse(configured.text(configured.get("/users")).contains("Email is not set up"))
        XCTAssertTrue(configured.text(configured.get("/email")).contains("Sent through <code>smtp://127.0.0.1:9</code>"))
    }

    func testFailedEmailsAreShownToAdminsWithTheServersAnswerAndQueuedAgainOnRequest() throws {
        let client = try TestClient()
        let connection = try makeConnection(client)
        _ = try statusToken(of: join(client, connection.token, email: "bounce@example.org"), client)
        try client.otherConnection().run("""
            UPDATE outbox SET state = 'failed', attempts = 8, last_error = '550 5.1.1 <bounce@example.org>: no such user' WHERE recipient = 'bounce@example.org'
            """)
        try client.signIn(DemoData.adminEmail)
        XCTAssertTrue(client.text(client.get("/users")).contains("1 email could not be sent."))
        let page = client.text(client.get("/email"))
        XCTAssertTrue(page.contains("bounce@example.org") && page.contains("550 5.1.1 &lt;bounce@example.org&gt;: no such user"), page)
        let retried = try client.post("/email/retry")
        XCTAssertTrue(client.header(retried, "Location")?.hasPrefix("/email?done=requeued&n=1&ns=") ?? false)
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM outbox WHERE recipient = 'bounce@example.org' AND state = 'queued' AND attempts = 0"), 1)
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM audit_log WHERE action = 'Failed emails queued again'"), 1)
    }

    // MARK: 2. Proof of an address

    func testWithEmailADomainMatchIsConnectedByItsConfirmationLinkOnceWhileItWorks() throws {
        let client = try emailClient()
        let connection = try makeConnection(client, approval: "Automatically approve by email domain", domains: ["acme.example"])
        let driver = TestClient.sharing(client)
        var last = try lastOutboxID(client)
        let answer = join(driver, connection.token, name: "Carla Ceo", email: "carla@acme.example")
        XCTAssertEqual(answer.status, 200)
        XCTAssertTrue(driver.text(answer).contains("Check your email"))
        let row = try membership(client, connection: connection.id, email: "carla@acme.example")
        XCTAssertEqual(row.first, "Pending", "the address is not proven yet")
        let sent = try XCTUnwrap(outbox(client, after: last).first { $0.kind == "email confirmation" })
        XCTAssertEqual(sent.recipient, "carla@acme.example")
        let confirm = try XCTUnwrap(sent.payload["confirmToken"])
        let status = try XCTUnwrap(sent.payload["statusToken"])
        XCTAssertEqual(try membershipID(ofStatus: status, client), Int(row[4]))
        XCTAssertTrue(driver.text(driver.get("/status/\(status)")).contains("Email not confirmed"))
        try client.signIn(DemoData.adminEmail)
        XCTAssertTrue(client.text(client.get("/connections/\(connection.id)/requests")).contains("email not confirmed"))

        // Opening the link shows a button and changes nothing (mail scanners open links); the button connects.
        let opened = driver.get("/confirm/\(confirm)")
        XCTAssertEqual(opened.status, 200)
        XCTAssertTrue(driver.text(opened).contains("carla@acme.example") && driver.text(opened).contains("action=\"/confirm/\(confirm)\""))
        XCTAssertEqual(try membership(client, connection: connection.id, email: "carla@acme.example").first, "Pending")
        last = try lastOutboxID(client)
        let confirmed = driver.request("POST", "/confirm/\(confirm)")
        XCTAssertEqual(confirmed.status, 303)
        let location = try XCTUnwrap(driver.header(confirmed, "Location"))
        XCTAssertTrue(location.hasPrefix("/status/"), location)
        XCTAssertEqual(try membershipID(ofStatus: String(location.dropFirst("/status/".count)), client), Int(row[4]), "the request's status page")
        XCTAssertEqual(try membership(client, connection: connection.id, email: "carla@acme.example").first, "Connected")
        XCTAssertEqual(try outbox(client, after: last).map(\.kind), ["request approved"])
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM audit_log WHERE action = 'Driver confirmed email' AND subject = 'carla@acme.example'"), 1)
        let again = driver.request("POST", "/confirm/\(confirm)")
        XCTAssertEqual(again.status, 409)
        XCTAssertTrue(driver.text(again).contains("already been used"))

        // A domain not on the list waits for the host, unconfirmed: nothing to confirm.
        last = try lastOutboxID(client)
        XCTAssertEqual(join(driver, connection.token, email: "someone@elsewhere.example").status, 200)
        XCTAssertEqual(try outbox(client, after: last).filter { $0.kind != "digest" }.map(\.kind), ["request received"])

        // A link past its lifetime connects no one; asking again sends a new one (once the last email is older than the pause).
        last = try lastOutboxID(client)
        _ = join(driver, connection.token, email: "late@acme.example")
        let late = try XCTUnwrap(outbox(client, after: last).first { $0.kind == "email confirmation" })
        try client.otherConnection().run("UPDATE email_confirmations SET expires_at = '2000-01-01T00:00:00Z'")
        let expired = driver.request("POST", "/confirm/\(late.payload["confirmToken"]!)")
        XCTAssertEqual(expired.status, 409)
        XCTAssertTrue(driver.text(expired).contains("has expired"))
        XCTAssertEqual(try membership(client, connection: connection.id, email: "late@acme.example").first, "Pending")
        try client.otherConnection().run("UPDATE outbox SET created_at = '2000-01-01T00:00:00Z'")
        last = try lastOutboxID(client)
        XCTAssertEqual(join(driver, connection.token, email: "late@acme.example").status, 200)
        let renewed = try XCTUnwrap(outbox(client, after: last).first { $0.kind == "email confirmation" })
        XCTAssertNotEqual(renewed.payload["confirmToken"], late.payload["confirmToken"])
        XCTAssertEqual(driver.request("POST", "/confirm/\(renewed.payload["confirmToken"]!)").status, 303)
        XCTAssertEqual(try membership(client, connection: connection.id, email: "late@acme.example").first, "Connected")

        // When the host decides first, the link no longer works.
        last = try lastOutboxID(client)
        _ = join(driver, connection.token, email: "denied@acme.example")
        let denied = try XCTUnwrap(outbox(client, after: last).first { $0.kind == "email confirmation" })
        let id = try client.scalar("SELECT m.id FROM memberships m JOIN drivers d ON d.id = m.driver_id WHERE d.email = 'denied@acme.example'")
        XCTAssertEqual(try decide(client, [id], "deny", reason: "Not staff").status, 303)
        XCTAssertEqual(driver.request("POST", "/confirm/\(denied.payload["confirmToken"]!)").status, 404)
        XCTAssertEqual(try membership(client, connection: connection.id, email: "denied@acme.example").first, "Denied")
    }

    func testWithEmailNewAndRepeatRequestsGetTheSameAnswerAndTheRepeatIsEmailedItsStatusLink() throws {
        let client = try emailClient()
        let connection = try makeConnection(client, questions: ["Employee ID"])
        var last = try lastOutboxID(client)
        let newcomer = join(TestClient.sharing(client), connection.token, name: "Vera", email: "vera@example.org", answers: ["V-1"])
        let received = try outbox(client, after: last).filter { $0.kind != "digest" }
        XCTAssertEqual(received.map(\.kind), ["request received"])
        let status = try XCTUnwrap(received[0].payload["statusToken"])
        try client.otherConnection().run("UPDATE outbox SET created_at = '2000-01-01T00:00:00Z'")

        last = try lastOutboxID(client)
        let attacker = TestClient.sharing(client)
        let repeated = join(attacker, connection.token, name: "Mallory", email: "VERA@example.org", answers: ["M-1"])
        XCTAssertEqual(newcomer.status, repeated.status)
        XCTAssertEqual(client.text(newcomer), client.text(repeated), "the answer does not tell a new request from a repeat")
        XCTAssertEqual(newcomer.headers.map(\.name), repeated.headers.map(\.name))
        XCTAssertFalse(client.text(repeated).contains(status))
        let resent = try outbox(client, after: last)
        XCTAssertEqual(resent.map(\.kind), ["status link"])
        XCTAssertEqual(resent[0].recipient, "vera@example.org", "to the address that asked first, not as typed now")
        XCTAssertEqual(try membershipID(ofStatus: XCTUnwrap(resent[0].payload["statusToken"]), client), try membershipID(ofStatus: status, client))
        XCTAssertEqual(try membership(client, connection: connection.id, email: "vera@example.org")[3], "Vera", "nothing changed")
        // Again at once: no second email (a form is no way to flood an inbox).
        last = try lastOutboxID(client)
        XCTAssertEqual(join(attacker, connection.token, email: "vera@example.org", answers: ["M-2"]).status, 200)
        XCTAssertEqual(try outbox(client, after: last).count, 0)
    }

    // MARK: 3. Invites by email

    func testEmailInvitesAreCheckedCountedLimitedPerDayAndAudited() throws {
        let client = try emailClient(invitesPerDay: 5)
        let connection = try makeConnection(client, approval: "Automatically approve all")
        XCTAssertEqual(join(client, connection.token, email: "already@example.org").status, 200)
        try client.signIn(DemoData.adminEmail)
        let pasted = "ana@example.org, ANA@example.org; ben@example.org\nnot-an-address <cy@example.org>\r\n already@example.org a b@x"
        let checked = try client.post("/connections/\(connection.id)/invite/email", [("step", "check"), ("addresses", pasted)])
        XCTAssertEqual(checked.status, 200)
        let page = client.text(checked)
        XCTAssertTrue(page.contains("3 invites to send.") && page.contains("Skipped: 1 duplicate(s), 1 already connected, 3 not an email address."), page)
        XCTAssertTrue(page.contains("<li>not-an-address</li>") && page.contains("<input type=\"hidden\" name=\"addresses\" value=\"ana@example.org, ANA@"), page)
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM outbox WHERE kind = 'invite'"), 0, "checking sends nothing")

        let sent = try client.post("/connections/\(connection.id)/invite/email", [("step", "send"), ("addresses", pasted)])
        XCTAssertEqual(sent.status, 303)
        let sentTo = try XCTUnwrap(client.header(sent, "Location"))
        XCTAssertTrue(sentTo.hasPrefix("/connections/\(connection.id)/invite?done=emailed&n=3&ns=") && sentTo.hasSuffix("#email-invites"), sentTo)
        let invites = try outbox(client).filter { $0.kind == "invite" }
        XCTAssertEqual(invites.map(\.recipient), ["ana@example.org", "ben@example.org", "cy@example.org"])
        XCTAssertEqual(invites[0].payload["connectionID"], String(connection.id))
        let audit = try client.otherConnection().query("SELECT details FROM audit_log WHERE action = 'Invited drivers by email'") { $0.text(0) }
        XCTAssertEqual(audit, [#"{"already connected":"1","duplicates":"1","invited":"3","not addresses":"3"}"#])
        let panel = client.text(client.get(String(sentTo.prefix { $0 != "#" })))
        XCTAssertTrue(panel.contains("3 email invites are on the way") && panel.contains("(2 left now)"), panel)

        // Over the day's limit: refused whole, with the numbers.
        let over = try client.post("/connections/\(connection.id)/invite/email", [("step", "send"), ("addresses", "d@example.org e@example.org f@example.org")])
        XCTAssertEqual(over.status, 429)
        XCTAssertTrue(client.text(over).contains("5 email invites in 24 hours; 2 are left now"), client.text(over))
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM outbox WHERE kind = 'invite'"), 3)
        let tooMany = (0...EmailInvites.perBatch).map { "d\($0)@example.org" }.joined(separator: "\n")
        let refused = try client.post("/connections/\(connection.id)/invite/email", [("step", "check"), ("addresses", tooMany)])
        XCTAssertEqual(refused.status, 400)
        XCTAssertTrue(client.text(refused).contains("Paste at most 500 addresses at once"))
    }

    // MARK: 4. Hosts' digests

    func testHostsGetADigestAtMostHourlyTurnItOffAndUnsubscribeInOneClick() throws {
        let client = try emailClient()
        let org = try client.scalar("SELECT min(id) FROM organizations")
        let connection = try makeConnection(client, org: org)
        let hosts = try self.hosts(client, org: org)
        XCTAssertTrue(hosts.contains(DemoData.adminEmail) && hosts.contains(DemoData.officerEmail))
        var last = try lastOutboxID(client)
        _ = join(client, connection.token, email: "one@example.org")
        let firstDigests = try outbox(client, after: last).filter { $0.kind == "digest" }
        XCTAssertEqual(Set(firstDigests.map(\.recipient)), hosts)
        XCTAssertFalse(firstDigests.contains { $0.recipient == DemoData.viewerEmail })
        last = try lastOutboxID(client)
        _ = join(client, connection.token, email: "two@example.org")
        XCTAssertEqual(try outbox(client, after: last).filter { $0.kind == "digest" }.count, 0, "one is already waiting for each")
        // Once sent, the next comes an hour after the last one was due.
        try client.otherConnection().run("UPDATE outbox SET state = 'sent' WHERE kind = 'digest'")
        last = try lastOutboxID(client)
        _ = join(client, connection.token, email: "three@example.org")
        let next = try XCTUnwrap(outbox(client, after: last).first { $0.kind == "digest" && $0.recipient == DemoData.officerEmail })
        let firstDue = try XCTUnwrap(firstDigests.first { $0.recipient == DemoData.officerEmail }?.due)
        XCTAssertEqual(next.due, DateText.store(DateText.parse(firstDue)!.addingTimeInterval(HostDigests.interval)))

        // The officer turns it off on their account: no more digests for them.
        try client.otherConnection().run("UPDATE outbox SET state = 'sent' WHERE kind = 'digest'")
        try client.signIn(DemoData.officerEmail)
        XCTAssertTrue(client.text(client.get("/account/email")).contains("name=\"digest\" value=\"on\" checked"))
        XCTAssertTrue(client.text(try client.post("/account/email", [])).contains("Saved."))
        XCTAssertFalse(client.text(client.get("/account/email")).contains("checked"))
        last = try lastOutboxID(client)
        _ = join(TestClient.sharing(client), connection.token, email: "four@example.org")
        XCTAssertEqual(Set(try outbox(client, after: last).filter { $0.kind == "digest" }.map(\.recipient)), hosts.subtracting([DemoData.officerEmail]))

        // The Admin's digest lists what waits, links to /requests, and unsubscribes in one click (RFC 8058).
        let database = try client.otherConnection()
        let lease = OutboxLease(database: database, holder: "test", duration: 60)
        let items = try Outbox(database: database).claim(limit: 1000, lease: lease, now: Date().addingTimeInterval(2 * HostDigests.interval))
        let item = try XCTUnwrap(items.first { $0.kind == .digest && $0.recipient == DemoData.adminEmail })
        let composer = EmailComposer(configuration: client.handler.configuration, settings: Self.settings, database: database)
        guard case .message(let digest) = try composer.compose(item) else { return XCTFail("the digest has requests to list") }
        XCTAssertTrue(digest.subject.hasSuffix("driver requests are waiting"), digest.subject)
        XCTAssertTrue(digest.text.contains("https://connect.example.test/requests") && digest.html.contains("https://connect.example.test/connections/\(connection.id)/requests"))
        let unsubscribe = try XCTUnwrap(digest.headers.first { $0.name == "List-Unsubscribe" }?.value)
        XCTAssertEqual(digest.headers.first { $0.name == "List-Unsubscribe-Post" }?.value, "List-Unsubscribe=One-Click")
        let path = String(unsubscribe.dropFirst("<https://connect.example.test".count).dropLast())
        let mailProgram = TestClient.sharing(client)
        XCTAssertEqual(mailProgram.get(path).status, 200, "opening it changes nothing")
        XCTAssertTrue(try HostDigests(database: database).isEnabled(userID: try client.scalar("SELECT id FROM users WHERE email = \(p: 1)", [.text(DemoData.adminEmail)])))
        let unsubscribed = mailProgram.request("POST", path, form: [("List-Unsubscribe", "One-Click")])
        XCTAssertEqual(unsubscribed.status, 200)
        XCTAssertTrue(mailProgram.text(unsubscribed).contains("will get no more digests"))
        guard case .skip = try composer.compose(item) else { return XCTFail("an unsubscribed digest is not sent") }
    }

    // MARK: 5. What an email says

    func testDriversEmailsSayTheirEventInBothPartsWithSafeHeadersAndLinksThatOpenTheRightPage() throws {
        let client = try emailClient()
        let org = try client.scalar("SELECT min(id) FROM organizations")
        try client.otherConnection().run("UPDATE organizations SET name_for_drivers = \(p: 2) WHERE id = \(p: 1)",
                                         [.init(org), .text("Ünïted <Chargers>\r\nBcc: victim@example.org")])
        let connection = try makeConnection(client, org: org)
        _ = join(client, connection.token, name: "Zoë Driver", email: "zoe@example.org")
        let row = try membership(client, connection: connection.id, email: "zoe@example.org")
        try client.signIn(DemoData.adminEmail)
        let id = try XCTUnwrap(Int(row[4]))
        XCTAssertEqual(try decide(client, [id], "deny", reason: "<script>x</script>\r\nBcc: victim@example.org").status, 303)

        let database = try client.otherConnection()
        let items = try Outbox(database: database).claim(limit: 1000, lease: OutboxLease(database: database, holder: "t", duration: 60))
        let composer = EmailComposer(configuration: client.handler.configuration, settings: Self.settings, database: database)
        for (kind, subject) in [(EmailKind.requestReceived, "Your request to join Driver test"),
                                (.requestDenied, " was not approved")] {
            let item = try XCTUnwrap(items.first { $0.kind == kind && $0.recipient == "zoe@example.org" })
            guard case .message(let message) = try composer.compose(item) else { return XCTFail("\(kind)") }
            XCTAssertTrue(message.subject.contains(subject), message.subject)
            XCTAssertEqual(message.messageID, "<\(item.messageKey)@connect.example.test>")
            XCTAssertEqual(message.from.address, "noreply@connect.example.test")
            let head = String(decoding: message.rendered(), as: UTF8.self).components(separatedBy: "\r\n\r\n")[0]
            XCTAssertFalse(head.lowercased().contains("\r\nbcc:"), head)
            let statusURL = "https://connect.example.test/status/\(try XCTUnwrap(item.payload["statusToken"]))"
            XCTAssertTrue(message.text.contains(statusURL) && message.html.contains(statusURL), "both parts link the status page")
            XCTAssertTrue(message.html.contains("Ünïted &lt;Chargers&gt;") && message.text.contains("Ünïted <Chargers>"))
            if kind == .requestDenied {
                XCTAssertTrue(message.html.contains("&lt;script&gt;x&lt;/script&gt;") && !message.html.contains("<script>"))
                XCTAssertTrue(message.text.contains("Reason: <script>x</script>"))
            }
        }
        let denied = try XCTUnwrap(items.first { $0.kind == .requestDenied && $0.recipient == "zoe@example.org" }?.payload["statusToken"])
        let page = client.text(TestClient.sharing(client).get("/status/\(denied)"))
        XCTAssertTrue(page.contains("role=\"status\">Denied<"), "the link opens the driver's own request")
    }

    // MARK: 6. Secrets at rest

    /// A copy of the database (a backup, a replica) hands out no working session, device cookie,
    /// status, confirmation, unsubscribe or invitation link: each is stored as its SHA-256 only, and a sent
    /// email keeps no link. Each still works for whoever holds it.
    func testACopyOfTheDatabaseHoldsNoWorkingSessionOrLink() throws {
        let client = try emailClient()
        try client.signIn(DemoData.adminEmail)
        let session = try XCTUnwrap(client.cookies[SessionCookie.name]), device = try XCTUnwrap(client.cookies["device"])
        let manual = try makeConnection(client)
        let byDomain = try makeConnection(client, approval: "Automatically approve by email domain", domains: ["acme.example"])
        let driver = TestClient.sharing(client)
        let last = try lastOutboxID(client)
        _ = join(driver, manual.token, name: "Ana Driver", email: "ana@example.org")
        _ = join(driver, byDomain.token, name: "Carla Ceo", email: "carla@acme.example")
        let org = try client.scalar("SELECT min(id) FROM organizations")
        XCTAssertEqual(try client.post("/users", [("org", String(org)), ("action", "add"), ("email", "newcomer@example.org"), ("role", "Viewer")]).status, 200)
        // The sender's work: every email composed and sent (a digest draws its unsubscribe link then).
        let database = try client.otherConnection()
        let lease = OutboxLease(database: database, holder: "test", duration: 60)
        let composer = EmailComposer(configuration: client.handler.configuration, settings: Self.settings, database: database)
        var links: [String] = []
        for item in try Outbox(database: database).claim(limit: 1000, lease: lease, now: Date().addingTimeInterval(2 * HostDigests.interval))
        where item.id > last {
            guard case .message(let message) = try composer.compose(item) else { continue }
            links += message.text.components(separatedBy: .whitespacesAndNewlines).filter { $0.hasPrefix("https://connect.example.test/") }
            try Outbox(database: database).record(.sent, for: item, lease: lease, policy: .init())
        }
        let secrets = [session, device] + links.map { String($0.split(separator: "/").last!) }.filter { $0.utf8.count >= 43 }
        XCTAssertTrue(links.contains { $0.contains("/confirm/") } && links.contains { $0.contains("/unsubscribe/") } && links.contains { $0.contains("/invitation/") }
                      && links.filter { $0.contains("/status/") }.count >= 2, "\(links)")

        let stored = try StoredValues.text(of: database)
        for secret in secrets { XCTAssertFalse(stored.contains(secret), "\(secret) is stored as it is") }
        XCTAssertTrue(stored.contains(Secret.hash(session)) && stored.contains(Secret.hash(secrets[2])))
        // What is handed out still works.
        XCTAssertEqual(client.get("/connections").status, 200, "the session")
        for link in links where !link.contains("/requests") && !link.contains("/account/") {
            XCTAssertEqual(driver.get(String(link.dropFirst("https://connect.example.test".count))).status, 200, link)
        }
    }
}
