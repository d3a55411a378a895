import Foundation
import Storage
import XCTest
@testable import Domain

/// Renewal on either database (`MembershipExpiryTests`' connection and drivers), by the `now` each
/// call is given: each reminder is sent once, and renewing runs the connection's approval rule again.
extension MembershipExpiryTests {
    func renewalEmails(_ id: Int) throws -> [String] {
        try database.query("SELECT payload FROM outbox WHERE membership_id = \(p: 1) AND kind = 'renewal reminder' ORDER BY id", [.init(id)]) {
            JSON.strings($0.text(0))?["ends"] ?? ""
        }
    }

    func testEachRenewalReminderIsSentOnceBeforeTheEnd() throws {
        let connection = try createConnection()
        let driver = try connectedDriver("dee@x.example", to: connection)
        XCTAssertEqual(try SetMembershipExpiry([driver], endingOn: "2030-06-30").run(by: admin, in: database), 1)
        let renewal = MembershipRenewal(database: database)
        XCTAssertEqual(try renewal.remind(now: day("2030-06-15T23:59:59Z")), 0, "15 days before: not yet")
        XCTAssertEqual(try renewal.remind(now: day("2030-06-16T00:00:00Z")), 1, "14 days before")
        XCTAssertEqual(try renewal.remind(now: day("2030-06-16T00:00:00Z")), 0, "once, however many sweeps")
        XCTAssertEqual(try renewal.remind(now: day("2030-06-26T23:00:00Z")), 0)
        XCTAssertEqual(try renewal.remind(now: day("2030-06-27T00:00:00Z")), 1, "3 days before")
        XCTAssertEqual(try renewal.remind(now: day("2030-06-29T00:00:00Z")), 0)
        XCTAssertEqual(try renewalEmails(driver), ["30 June 2030", "30 June 2030"])

        // An end set close by: one reminder at the next sweep, not one per passed day; none after the end.
        try database.run("UPDATE connections SET renewal_reminders = \(p: 1) WHERE id = \(p: 2)", [.text(try MembershipRenewal.stored(from: "3, 14, 7")), .init(connection)])
        XCTAssertEqual(try SetMembershipExpiry([driver], endingOn: "2030-07-02").run(by: admin, in: database), 1)
        XCTAssertEqual(try renewal.remind(now: day("2030-06-30T12:00:00Z")), 1)
        XCTAssertEqual(try renewal.remind(now: day("2030-07-01T12:00:00Z")), 0)
        XCTAssertEqual(try renewalEmails(driver).count, 3)
        XCTAssertEqual(MembershipRenewal.days("14,7,3"), [14, 7, 3])
        XCTAssertThrowsError(try MembershipRenewal.stored(from: "14, soon"))
        XCTAssertEqual(try MembershipRenewal.stored(from: ""), "", "no reminders")
    }

    func testRenewingRunsTheConnectionsApprovalRuleAgain() throws {
        let connection = try createConnection()
        try SetMembershipLength(connection: connection, to: .days(30), applyToConnected: false).run(by: admin, in: database)
        let driver = try connectedDriver("dee@x.example", to: connection)
        XCTAssertEqual(try SetMembershipExpiry([driver], endingOn: "2030-06-30").run(by: admin, in: database), 1)
        let token = try database.transaction(locking: []) { try StatusLinks(database: database).issue(membership: driver) }
        let soon = day("2030-06-20T09:00:00Z")

        // Everyone approved: renewed at once, 30 days from its end.
        try database.run("UPDATE connections SET approval_type = \(p: 1) WHERE id = \(p: 2)", [.text(ApprovalType.all.rawValue), .init(connection)])
        XCTAssertEqual(try RenewMembership(statusToken: token, now: soon).run(with: JoinRequests(database: database)), .renewed("2030-07-30T00:00:00Z"))
        XCTAssertEqual(try expiresAt(driver), "2030-07-30T00:00:00Z")
        XCTAssertEqual(try database.query("SELECT remind_at FROM memberships WHERE id = \(p: 1)", [.init(driver)]) { $0.text(0) }[0], "2030-07-16T00:00:00Z")
        let event = try XCTUnwrap(DomainEvents(database: database).after(0).last).event
        XCTAssertEqual(event, DomainEvent(.membershipRenewed, organization: organization, connection: connection, membership: driver,
                                          payload: ["expires_at": "2030-07-30T00:00:00Z"]))

        // Not again before its new end comes near: renewing opens 30 days before it.
        XCTAssertThrowsError(try RenewMembership(statusToken: token, now: soon).run(with: JoinRequests(database: database))) {
            XCTAssertEqual(($0 as? UserError)?.message, "Renewing opens on 30 June 2030, 30 days before your membership ends.")
        }

        // Manual: the host decides; approving renews, once.
        let later = day("2030-07-10T09:00:00Z")
        try database.run("UPDATE connections SET approval_type = \(p: 1) WHERE id = \(p: 2)", [.text(ApprovalType.manual.rawValue), .init(connection)])
        XCTAssertEqual(try RenewMembership(statusToken: token, now: later).run(with: JoinRequests(database: database)), .waitingForHost)
        XCTAssertEqual(try expiresAt(driver), "2030-07-30T00:00:00Z")
        XCTAssertEqual(try ApproveRenewal([driver], now: later).run(by: admin, in: database), 1)
        XCTAssertEqual(try expiresAt(driver), "2030-08-29T00:00:00Z")
        XCTAssertThrowsError(try ApproveRenewal([driver], now: later).run(by: admin, in: database), "not asked any more")

        // By email domain: the address is proved again, then renewed.
        let last = day("2030-08-10T09:00:00Z")
        try database.run("UPDATE connections SET approval_type = \(p: 1) WHERE id = \(p: 2)", [.text(ApprovalType.emailDomain.rawValue), .init(connection)])
        try database.run("INSERT INTO connection_email_domains (connection_id, domain) VALUES (\(p: 1), 'x.example')", [.init(connection)])
        XCTAssertEqual(try RenewMembership(statusToken: token, now: last).run(with: JoinRequests(database: database, emailEnabled: true)), .confirming)
        XCTAssertEqual(try database.scalarInt("SELECT count(*) FROM outbox WHERE membership_id = \(p: 1) AND kind = 'email confirmation'", [.init(driver)]), 1)
        XCTAssertEqual(try expiresAt(driver), "2030-08-29T00:00:00Z", "not before the address is proved")
        let link = try XCTUnwrap(database.transaction(locking: []) { try EmailConfirmations(database: database).issue(membership: driver, now: last) })
        _ = try EmailConfirmations(database: database).confirm(token: link, now: last)
        XCTAssertEqual(try expiresAt(driver), "2030-09-28T00:00:00Z")
        XCTAssertEqual(try state(driver), "Connected")
        XCTAssertEqual(try database.scalarInt("SELECT count(*) FROM audit_log WHERE action = 'Renewed driver'"), 3)

        // A removed driver has nothing to renew.
        _ = try Decide(.remove, on: [driver]).run(by: admin, in: database)
        XCTAssertThrowsError(try RenewMembership(statusToken: token, now: last).run(with: JoinRequests(database: database)))
    }
}
