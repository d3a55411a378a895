import Domain
import FastCGI
import Storage
import XCTest
@testable import Web

/// Renewal through the pages, on the database the tests run on: the reminder the sweep queues is
/// emailed with the status link, whose page renews (an automatic connection: at once).
final class RenewalPagesTests: XCTestCase, DriverFixtures {
    var made = 0

    func testTheRenewalEmailsLinkRenewsFromTheStatusPage() throws {
        let client = try TestClient(connections: 20)
        let connection = try makeConnection(client, approval: "Automatically approve all")
        try client.signIn(DemoData.adminEmail)
        XCTAssertEqual(try client.post("/connections/\(connection.id)/membership-length", [("kind", "days"), ("amount", "30")]).status, 303)
        let driver = TestClient.sharing(client)
        let token = try statusToken(of: join(driver, connection.token, name: "Rita Renew", email: "rita@example.test"), driver)
        let id = try membershipID(ofStatus: token, client)
        let database = try client.otherConnection()
        let name = try database.query("SELECT name FROM connections WHERE id = \(p: 1)", [.init(connection.id)]) { $0.text(0) }[0]
        let end = try XCTUnwrap(database.query("SELECT expires_at FROM memberships WHERE id = \(p: 1)", [.init(id)]) { $0.text(0) }.first)
        let later = DateText.parse(end)!.addingTimeInterval(-13 * 86_400)
        _ = try client.sendEmails()

        XCTAssertEqual(try MembershipRenewal(database: database).remind(now: later), 1)
        XCTAssertEqual(try MembershipRenewal(database: database).remind(now: later), 0, "sent once")
        let sent = try client.sendEmails(now: later)
        XCTAssertEqual(sent.map(\.item.kind), [.renewalReminder])
        XCTAssertEqual(sent[0].message.subject, "Your membership of \(name) ends on \(DateText.day(end))")
        let path = try sent[0].path("/status/")
        var page = driver.text(driver.get(path))
        XCTAssertTrue(page.contains("Connected until \(DateText.day(end)).") && page.contains("Renew my membership"), page)

        let renewed = driver.send("POST", path + "/renew", form: [])
        XCTAssertEqual(renewed.status, 303)
        page = driver.text(driver.get(try XCTUnwrap(renewed.headers.first { $0.name == "Location" }?.value)))
        let newEnd = MembershipLength.days(30).end(after: DateText.parse(end)!)!
        XCTAssertTrue(page.contains("Your membership is renewed.") && page.contains("Connected until \(DateText.day(newEnd))."), page)
        XCTAssertEqual(try database.query("SELECT expires_at FROM memberships WHERE id = \(p: 1)", [.init(id)]) { $0.text(0) }, [newEnd])
        XCTAssertEqual(try database.scalarInt("SELECT count(*) FROM audit_log WHERE action = 'Renewed driver' AND subject = 'rita@example.test'"), 1)
        XCTAssertEqual(driver.send("POST", "/status/" + String(repeating: "x", count: 43) + "/renew", form: []).status, 404)
    }

    /// A manual connection: the driver's renewal waits for the host, whose connection page lists it
    /// with a button that renews; the reminder days are set there too, bad ones refused.
    func testTheHostRenewsFromTheConnectionsPageAndSetsTheReminders() throws {
        let client = try TestClient(connections: 20)
        let connection = try makeConnection(client)
        try client.signIn(DemoData.adminEmail)
        XCTAssertEqual(try client.post("/connections/\(connection.id)/membership-length", [("kind", "days"), ("amount", "30")]).status, 303)
        let driver = TestClient.sharing(client)
        let token = try statusToken(of: join(driver, connection.token, name: "Mo Manual", email: "mo@example.test"), driver)
        let id = try membershipID(ofStatus: token, client)
        XCTAssertEqual(try client.post("/requests/decide", [("action", "approve"), ("m", String(id))]).status, 303)
        let database = try client.otherConnection()
        let end = try XCTUnwrap(database.query("SELECT expires_at FROM memberships WHERE id = \(p: 1)", [.init(id)]) { $0.text(0) }.first)

        let asked = driver.send("POST", "/status/\(token)/renew", form: [])
        XCTAssertEqual(asked.status, 303)
        var page = driver.text(driver.get(try XCTUnwrap(asked.headers.first { $0.name == "Location" }?.value)))
        XCTAssertTrue(page.contains("Your renewal is asked: the host decides"), page)
        page = client.text(client.get("/connections/\(connection.id)"))
        XCTAssertTrue(page.contains("<h3>Asking to renew</h3>") && page.contains("Renew Mo Manual"), page)
        let renewed = try client.post("/connections/\(connection.id)/renew", [("m", String(id))])
        XCTAssertEqual(renewed.status, 303)
        page = client.text(client.get(String(try XCTUnwrap(renewed.headers.first { $0.name == "Location" }?.value).split(separator: "#")[0])))
        XCTAssertTrue(page.contains("1 membership renewed") && page.contains("No driver is waiting for you to renew"), page)
        XCTAssertEqual(try database.query("SELECT expires_at FROM memberships WHERE id = \(p: 1)", [.init(id)]) { $0.text(0) },
                       [MembershipLength.days(30).end(after: DateText.parse(end)!)!])
        XCTAssertEqual(try client.post("/connections/\(connection.id)/renew", [("m", String(id))]).status, 409, "nothing asked any more")

        XCTAssertTrue(page.contains("Renewal reminders: 14, 3 days before the end."), page)
        XCTAssertEqual(try client.post("/connections/\(connection.id)/renewal-reminders", [("reminders", "soon")]).status, 400)
        XCTAssertEqual(try client.post("/connections/\(connection.id)/renewal-reminders", [("reminders", "7, 30")]).status, 303)
        XCTAssertTrue(client.text(client.get("/connections/\(connection.id)")).contains("Renewal reminders: 30, 7 days before the end."))
        try client.signIn(DemoData.viewerEmail)
        XCTAssertNotEqual(try client.post("/connections/\(connection.id)/renewal-reminders", [("reminders", "")]).status, 303)
    }

    /// Re-verification: the host sets it on the connection's page; the sweep's email leads to the
    /// status page, which shows the answers and confirms them.
    func testTheReverificationEmailsLinkConfirmsTheAnswers() throws {
        let client = try TestClient(connections: 20)
        let connection = try makeConnection(client, approval: "Automatically approve all", questions: ["Employee ID"])
        try client.signIn(DemoData.adminEmail)
        XCTAssertEqual(try client.post("/connections/\(connection.id)/reverification", [("every", "0")]).status, 400)
        XCTAssertEqual(try client.post("/connections/\(connection.id)/reverification", [("every", "90"), ("grace", "10")]).status, 303)
        XCTAssertTrue(client.text(client.get("/connections/\(connection.id)")).contains("Drivers confirm their answers every 90 days, within 10 days"))
        let driver = TestClient.sharing(client)
        let token = try statusToken(of: join(driver, connection.token, name: "Vera Verify", email: "vera@example.test", answers: ["E-42"]), driver)
        let id = try membershipID(ofStatus: token, client)
        let database = try client.otherConnection()
        let asked = try XCTUnwrap(database.query("SELECT reverify_at FROM memberships WHERE id = \(p: 1)", [.init(id)]) { $0.optionalText(0) }.first ?? nil)
        _ = try client.sendEmails()

        XCTAssertEqual(try MembershipReverification(database: database).sweep(now: DateText.parse(asked)!).asked, 1)
        let sent = try client.sendEmails()
        XCTAssertEqual(sent.map(\.item.kind), [.reverification])
        var page = driver.text(driver.get(try sent[0].path("/status/")))
        XCTAssertTrue(page.contains("Please confirm your answers by") && page.contains("E-42") && page.contains("My answers are still right"), page)
        let confirmed = driver.send("POST", "/status/\(token)/confirm-answers", form: [])
        XCTAssertEqual(confirmed.status, 303)
        page = driver.text(driver.get(try XCTUnwrap(confirmed.headers.first { $0.name == "Location" }?.value)))
        XCTAssertTrue(page.contains("Thanks: your answers are confirmed.") && !page.contains("Please confirm your answers by"), page)
        XCTAssertEqual(driver.send("POST", "/status/\(token)/confirm-answers", form: []).status, 409)
    }
}
