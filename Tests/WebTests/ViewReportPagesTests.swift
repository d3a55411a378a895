import Domain
import Foundation
import Storage
import XCTest
@testable import Web

/// A shared view's report: set from the Views menu without JavaScript (audited), sent through the
/// outbox at 07:00 of the organization's day with what entered and left since the last one, skipped
/// and said so when nothing changed, stopped in one click from the email.
final class ViewReportPagesTests: XCTestCase {
    func testAReportIsScheduledSentWithItsChangesSkippedWhenUnchangedAndUnsubscribedInOneClick() throws {
        let client = try TestClient { $0.smtp = EmailTests.settings }
        let db = try client.otherConnection()
        let org = try client.scalar("SELECT min(id) FROM organizations")
        try db.run("UPDATE organizations SET time_zone = 'Europe/Berlin' WHERE id = \(p: 1)", [.init(org)])
        let connections = try db.query("SELECT id FROM connections WHERE org_id = \(p: 1) ORDER BY id LIMIT 2", [.init(org)]) { $0.int(0) }
        func rename(_ id: Int, _ name: String) throws { try db.run("UPDATE connections SET name = \(p: 2) WHERE id = \(p: 1)", [.init(id), .text(name)]) }
        try rename(connections[0], "Zqreport first")

        try client.signIn(DemoData.adminEmail)
        XCTAssertEqual(try client.post("/connections/views", [("action", "save-as"), ("name", "Reported"), ("share", String(org)),
                                                              ("state", "f=name&op=contains&v=zqreport"), ("back", "")]).status, 303)
        let view = try client.scalar("SELECT max(id) FROM saved_views")
        let menu = client.text(client.get("/connections?view=\(view)&f=name&op=contains&v=zqreport"))
        XCTAssertTrue(menu.contains("Report by email: Not sent as a report."), menu)
        XCTAssertTrue(menu.contains("name=\"frequency\""))
        let admin = try client.scalar("SELECT id FROM users WHERE email = \(p: 1)", [.text(DemoData.adminEmail)])
        let officer = try client.scalar("SELECT id FROM users WHERE email = \(p: 1)", [.text(DemoData.officerEmail)])
        let set = try client.post("/connections/views", [("action", "report"), ("id", String(view)), ("frequency", "daily"), ("hour", "7"), ("skip", "on"),
                                                        ("to", String(admin)), ("to", String(officer)), ("back", "view=\(view)")])
        XCTAssertEqual(set.status, 303)
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM audit_log WHERE action = 'View report scheduled'"), 1)
        XCTAssertTrue(client.text(client.get("/connections?view=\(view)&f=name&op=contains&v=zqreport"))
            .contains("Sent daily at 07:00 Europe/Berlin to 2 members; skipped when nothing changed."))
        XCTAssertEqual(try client.post("/connections/views", [("action", "report"), ("id", String(view)), ("frequency", "hourly")]).status, 400)

        // Queued for 07:00 in Berlin, one per recipient.
        let dues = try db.query("SELECT due_at FROM outbox WHERE kind = 'view report' AND state = 'queued'") { DateText.parse($0.text(0))! }
        XCTAssertEqual(dues.count, 2)
        var berlin = Calendar(identifier: .gregorian)
        berlin.timeZone = TimeZone(identifier: "Europe/Berlin")!
        XCTAssertEqual(berlin.component(.hour, from: dues[0]), 7)
        XCTAssertEqual(berlin.component(.minute, from: dues[0]), 0)
        XCTAssertTrue(try client.sendEmails(now: dues[0].addingTimeInterval(-60)).isEmpty, "not before its time")

        // The first report: the count and a link that needs signing in, nothing attached. One that fails
        // for a while and is sent again queues no second next report.
        let retried = try client.sendEmails(now: dues[0], outcome: .temporaryFailure("421 busy"))
        XCTAssertEqual(retried.count, 2)
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM outbox WHERE kind = 'view report' AND state = 'queued'"), 4, "two retries, two next")
        try db.run("UPDATE outbox SET due_at = \(p: 1) WHERE kind = 'view report' AND state = 'queued' AND attempts = 1", [.text(DateText.store(dues[0]))])
        let first = try client.sendEmails(now: dues[0])
        XCTAssertEqual(Set(first.map(\.item.recipient)), [DemoData.adminEmail, DemoData.officerEmail])
        XCTAssertEqual(first[0].message.subject, "Reported: 1 connection")
        XCTAssertTrue(first[0].message.text.contains("https://connect.example.test/connections?view=\(view)"))
        XCTAssertTrue(first[0].message.images.isEmpty)
        XCTAssertFalse(first[0].message.text.contains("entered"), "a first report compares with nothing")
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM outbox WHERE kind = 'view report' AND state = 'queued'"), 2)

        // A day later: one row entered, one left.
        try rename(connections[1], "Zqreport second")
        try rename(connections[0], "Elsewhere")
        // Refused for a while at first: sent again, it says the same.
        let refused = try client.sendEmails(now: dues[0].addingTimeInterval(86_400), outcome: .temporaryFailure("421 busy"))
        XCTAssertTrue(refused[0].message.text.contains("Since the last report: 1 entered, 1 left."), refused[0].message.text)
        let second = try client.sendEmails(now: dues[0].addingTimeInterval(86_400 + 120))
        XCTAssertEqual(second.count, 2)
        XCTAssertTrue(second[0].message.text.contains("Since the last report: 1 entered, 1 left."), second[0].message.text)
        XCTAssertTrue(second[0].message.text.contains("+ https://connect.example.test/connections/\(connections[1])"))
        XCTAssertTrue(second[0].message.text.contains("- https://connect.example.test/connections/\(connections[0])"))

        // The next day nothing changed: skipped, and the schedule line says so.
        XCTAssertTrue(try client.sendEmails(now: dues[0].addingTimeInterval(2 * 86_400)).isEmpty)
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM outbox WHERE kind = 'view report' AND state = 'skipped'"), 2)
        XCTAssertTrue(client.text(client.get("/connections?view=\(view)&f=name&op=contains&v=zqreport")).contains("(last skipped "))
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM outbox WHERE kind = 'view report' AND state = 'queued'"), 2, "the next ones are queued")

        // One click from the email (RFC 8058): the admin leaves the report, and their queued one goes.
        let mail = try XCTUnwrap(second.first { $0.item.recipient == DemoData.adminEmail })
        let unsubscribe = try XCTUnwrap(mail.message.headers.first { $0.name == "List-Unsubscribe" }?.value)
        let path = String(unsubscribe.dropFirst("<https://connect.example.test".count).dropLast())
        let mailProgram = TestClient.sharing(client)
        XCTAssertTrue(mailProgram.text(mailProgram.get(path)).contains("Stop the reports of the view “Reported”"))
        let done = mailProgram.request("POST", path, form: [("List-Unsubscribe", "One-Click")])
        XCTAssertEqual(done.status, 200)
        XCTAssertTrue(mailProgram.text(done).contains("will get no more reports of the view “Reported”"))
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM view_report_recipients WHERE view_id = \(p: 1)", [.init(view)]), 1)
        XCTAssertEqual(try db.query("SELECT recipient FROM outbox WHERE kind = 'view report' AND state = 'queued'") { $0.text(0) }, [DemoData.officerEmail])
        XCTAssertTrue(try HostDigests(database: db).isEnabled(userID: admin), "the digest stays on")

        // A new time zone moves the queued report to 07:00 there.
        _ = try SetTimeZone("America/New_York", of: org).run(by: try XCTUnwrap(try Accounts(database: db).access(userID: admin)), in: db)
        let moved = try XCTUnwrap(try db.query("SELECT due_at FROM outbox WHERE kind = 'view report' AND state = 'queued'") { DateText.parse($0.text(0))! }.first)
        var newYork = Calendar(identifier: .gregorian)
        newYork.timeZone = TimeZone(identifier: "America/New_York")!
        XCTAssertEqual(newYork.component(.hour, from: moved), 7)

        // A Viewer of the organization reads the schedule line but may not set it; stopping it is audited and leaves nothing queued.
        try Accounts(database: db).setRole(userID: try client.scalar("SELECT id FROM users WHERE email = \(p: 1)", [.text(DemoData.viewerEmail)]),
                                           organizationID: org, role: .viewer)
        try client.signIn(DemoData.viewerEmail)
        let viewerMenu = client.text(client.get("/connections?view=\(view)&f=name&op=contains&v=zqreport"))
        XCTAssertTrue(viewerMenu.contains("Report by email: Sent daily at 07:00 America/New_York to 1 member"), viewerMenu)
        XCTAssertFalse(viewerMenu.contains("name=\"frequency\""))
        XCTAssertEqual(try client.post("/connections/views", [("action", "report"), ("id", String(view)), ("frequency", "daily"), ("to", String(admin))]).status, 403)
        try client.signIn(DemoData.adminEmail)
        XCTAssertEqual(try client.post("/connections/views", [("action", "report"), ("id", String(view)), ("frequency", "")]).status, 303)
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM audit_log WHERE action = 'View report stopped'"), 1)
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM outbox WHERE kind = 'view report' AND state = 'queued'"), 0)
    }
}
