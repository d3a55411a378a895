import Foundation
import Storage
import Synchronization
import TestSupport
import XCTest
@testable import Domain

/// Memberships that end, on either database: a connection's length and the end it gives an
/// approval, a host's end for one driver, and the sweep, driven by the `now` the test passes (no
/// test waits): it ends each due membership once, as a removal, in batches, however many sweep.
final class MembershipExpiryTests: XCTestCase {
    var location = DatabaseLocation.sqlite(path: "")
    var database: Database!
    var admin: Access!
    let organization = 1

    override func setUpWithError() throws {
        location = try TestDatabases.empty(in: FileManager.default.temporaryDirectory)
        database = try Database(location: location)
        try database.run("INSERT INTO organizations (id, name, name_for_drivers, created_at) VALUES (1, 'Acme', 'Acme', 'x')")
        let accounts = Accounts(database: database)
        let user = try accounts.createUser(email: "admin@acme.test", name: "Ada", password: "long enough password")
        try accounts.setRole(userID: user, organizationID: organization, role: .admin)
        admin = try XCTUnwrap(accounts.access(userID: user))
    }

    override func tearDown() {
        database = nil
        TestDatabases.drop(location)
        if case .sqlite(let path) = location { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
    }

    func createConnection(_ name: String = "Staff") throws -> Int {
        try CreateConnection(organizationID: organization, ConnectionSettings(name: name, nameForDrivers: "Acme drivers", benefits: [.freeCharging]))
            .run(by: admin, in: database)
    }

    /// A driver's request, approved by the host: the membership's id.
    func connectedDriver(_ email: String, to connection: Int) throws -> Int {
        let requests = JoinRequests(database: database)
        let token = try database.query("SELECT invite_token FROM connections WHERE id = \(p: 1)", [.init(connection)]) { $0.text(0) }[0]
        let joinable = try XCTUnwrap(requests.joinable(token: token))
        _ = try RequestToJoin(JoinForm(name: "Dee", email: email, answers: [], agreedToTerms: true), to: joinable)
            .run(from: .init(address: "192.0.2.\(Int.random(in: 1...250))", formToken: "form-" + UUID().uuidString), with: requests)
        let id = try database.scalarInt("SELECT m.id FROM memberships m JOIN drivers d ON d.id = m.driver_id WHERE d.email = \(p: 1)", [.text(email)])
        _ = try Decide(.approve, on: [id]).run(by: admin, in: database)
        return id
    }

    func expiresAt(_ id: Int) throws -> String? {
        try database.query("SELECT expires_at FROM memberships WHERE id = \(p: 1)", [.init(id)]) { $0.optionalText(0) }[0]
    }

    func state(_ id: Int) throws -> String {
        try database.query("SELECT state FROM memberships WHERE id = \(p: 1)", [.init(id)]) { $0.text(0) }[0]
    }

    func day(_ text: String) -> Date { DateText.parse(text)! }

    func testALengthReadsBackAndGivesTheEndOfAnApproval() throws {
        let approved = day("2027-01-31T10:00:00Z")
        for length in [MembershipLength.forever, .days(1), .days(30), .months(6), .until("2027-06-30")] {
            XCTAssertEqual(MembershipLength.parse(stored: length.stored), length)
        }
        XCTAssertEqual(MembershipLength.days(30).end(after: approved), "2027-03-02T10:00:00Z")
        XCTAssertEqual(MembershipLength.months(1).end(after: approved), "2027-02-28T10:00:00Z")
        XCTAssertEqual(MembershipLength.until("2027-06-30").end(after: approved), "2027-06-30T00:00:00Z")
        XCTAssertNil(MembershipLength.forever.end(after: approved))
        XCTAssertEqual(MembershipLength.until("2027-06-30").summary, "Until 30 June 2027")
        for bad in ["", "30", "0 days", "3651 days", "121 months", "until 2027-02-30", "until tomorrow", "030 days", "30 weeks"] {
            XCTAssertNil(MembershipLength.parse(stored: bad), bad)
        }
        XCTAssertEqual(try MembershipLength.from(kind: "months", amount: " 6 "), .months(6))
        XCTAssertThrowsError(try MembershipLength.from(kind: "days", amount: "-1"))
        XCTAssertThrowsError(try MembershipLength.from(kind: "until", amount: "2027-13-01"))
        XCTAssertThrowsError(try MembershipLength.from(kind: "weeks", amount: "2"))
    }

    func testAnApprovalEndsAsTheConnectionsLengthSaysAndAChangeMayApplyToConnectedDrivers() throws {
        let connection = try createConnection()
        let before = try connectedDriver("before@x.example", to: connection)
        XCTAssertNil(try expiresAt(before), "for ever, as before")

        let events = try DomainEvents(database: database).after(0).count
        XCTAssertEqual(try SetMembershipLength(connection: connection, to: .days(30), applyToConnected: false).run(by: admin, in: database), 0)
        XCTAssertNil(try expiresAt(before), "not asked to apply to connected drivers")
        let after = try connectedDriver("after@x.example", to: connection)
        let decided = try database.query("SELECT decided_at FROM memberships WHERE id = \(p: 1)", [.init(after)]) { $0.text(0) }[0]
        XCTAssertEqual(try expiresAt(after), MembershipLength.days(30).end(after: day(decided)))

        XCTAssertEqual(try SetMembershipLength(connection: connection, to: .until("2027-06-30"), applyToConnected: true).run(by: admin, in: database), 2)
        XCTAssertEqual(try expiresAt(before), "2027-06-30T00:00:00Z")
        XCTAssertEqual(try expiresAt(after), "2027-06-30T00:00:00Z")
        let recorded = try DomainEvents(database: database).after(0).dropFirst(events)
        XCTAssertEqual(recorded.filter { $0.event.kind == .connectionUpdated }.count, 2)
        XCTAssertEqual(try database.query("SELECT action FROM audit_log WHERE action = 'Changed membership length'") { $0.text(0) }.count, 2)

        // A Viewer may not; a Connections officer sets one driver's end, and clears it.
        let accounts = Accounts(database: database)
        let viewer = try accounts.createUser(email: "vic@acme.test", name: "Vic", password: "long enough password")
        try accounts.setRole(userID: viewer, organizationID: organization, role: .viewer)
        let viewing = try XCTUnwrap(accounts.access(userID: viewer))
        XCTAssertThrowsError(try SetMembershipLength(connection: connection, to: .forever, applyToConnected: true).run(by: viewing, in: database))
        XCTAssertThrowsError(try SetMembershipExpiry([before], endingOn: "2028-01-01").run(by: viewing, in: database))
        XCTAssertEqual(try SetMembershipExpiry([before], endingOn: "2028-01-01").run(by: admin, in: database), 1)
        XCTAssertEqual(try expiresAt(before), "2028-01-01T00:00:00Z")
        let last = try XCTUnwrap(DomainEvents(database: database).after(0).last)
        XCTAssertEqual(last.event, DomainEvent(.membershipExpirySet, organization: organization, connection: connection, membership: before,
                                               payload: ["expires_at": "2028-01-01T00:00:00Z"]))
        XCTAssertEqual(try SetMembershipExpiry([before], endingOn: nil).run(by: admin, in: database), 1)
        XCTAssertNil(try expiresAt(before))
        XCTAssertThrowsError(try SetMembershipExpiry.day(from: "2028-02-30"))
    }

    func testTheSweepEndsEachDueMembershipOnceAsARemovalInBatches() throws {
        let connection = try createConnection()
        let ids = try (1...3).map { try connectedDriver("d\($0)@x.example", to: connection) }
        let other = try connectedDriver("later@x.example", to: connection)
        for id in ids { _ = try SetMembershipExpiry([id], endingOn: "2027-06-30").run(by: admin, in: database) }
        _ = try SetMembershipExpiry([other], endingOn: "2027-07-01").run(by: admin, in: database)
        let expiry = MembershipExpiry(database: database)
        XCTAssertEqual(try expiry.sweep(now: day("2027-06-29T23:59:59Z")), 0, "not due yet")
        let lastEvent = try DomainEvents(database: database).after(0).last?.id ?? 0
        XCTAssertEqual(try expiry.sweep(now: day("2027-06-30T00:00:30Z"), limit: 2), 2)
        XCTAssertEqual(try expiry.sweep(now: day("2027-06-30T00:00:30Z"), limit: 2), 1)
        XCTAssertEqual(try expiry.sweep(now: day("2027-06-30T00:00:30Z"), limit: 2), 0, "each once")
        XCTAssertEqual(try ids.map(state), ["Removed", "Removed", "Removed"])
        XCTAssertEqual(try state(other), "Connected")
        XCTAssertEqual(try database.scalarInt("SELECT connected_drivers FROM connections WHERE id = \(p: 1)", [.init(connection)]), 1)
        XCTAssertEqual(try database.scalarInt("SELECT count(*) FROM outbox WHERE kind = 'driver removed'"), 3)
        XCTAssertEqual(try database.query("SELECT actor, action FROM audit_log WHERE action = 'Expired driver'") { $0.text(0) },
                       Array(repeating: MembershipExpiry.actor, count: 3))
        let events = try DomainEvents(database: database).after(lastEvent)
        XCTAssertEqual(events.map(\.event), ids.map {
            DomainEvent(.membershipExpired, organization: organization, connection: connection, membership: $0, payload: ["state": "Removed"])
        })
        XCTAssertEqual(try expiry.sweep(now: day("2027-07-01T00:00:00Z")), 1)
        XCTAssertEqual(try state(other), "Removed")
    }

    /// The hosts' digest lists the connections whose memberships end in the coming week, with how many.
    func testTheDigestListsTheWeeksEndingMemberships() throws {
        let connection = try createConnection()
        let soon = try connectedDriver("soon@x.example", to: connection)
        let later = try connectedDriver("later@x.example", to: connection)
        _ = try SetMembershipExpiry([soon], endingOn: "2027-06-30").run(by: admin, in: database)
        _ = try SetMembershipExpiry([later], endingOn: "2027-08-01").run(by: admin, in: database)
        // A request waiting, as a digest needs.
        let requests = JoinRequests(database: database)
        let token = try database.query("SELECT invite_token FROM connections WHERE id = \(p: 1)", [.init(connection)]) { $0.text(0) }[0]
        _ = try RequestToJoin(JoinForm(name: "Wes", email: "waiting@x.example", answers: [], agreedToTerms: true), to: try XCTUnwrap(requests.joinable(token: token)))
            .run(from: .init(address: "192.0.2.9", formToken: "form-" + UUID().uuidString), with: requests)
        let content = try XCTUnwrap(HostDigests(database: database).content(userID: admin.userID, now: day("2027-06-25T09:00:00Z")))
        XCTAssertEqual(content.ending.map(\.connectionID), [connection])
        XCTAssertEqual(content.ending.map(\.waiting), [1], "the one ending on 30 June, not the one in August")
        XCTAssertEqual(try HostDigests(database: database).content(userID: admin.userID, now: day("2027-07-05T09:00:00Z"))?.ending.count, 0)
    }

    /// Two processes sweeping at once (a lease taken over mid-round): every due membership ends once.
    func testTwoSweepersAtOnceEndEachMembershipOnce() throws {
        let connections = try (1...3).map { try createConnection("Site \($0)") }
        var ids: [Int] = []
        for (n, connection) in connections.enumerated() {
            for k in 1...4 { ids.append(try connectedDriver("d\(n)-\(k)@x.example", to: connection)) }
        }
        _ = try SetMembershipExpiry(ids, endingOn: "2027-06-30").run(by: admin, in: database)
        let location = self.location
        let now = day("2027-06-30T00:00:10Z")
        let ended = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            do {
                let own = try Database(location: location)
                let expiry = MembershipExpiry(database: own)
                while true {
                    let n = try expiry.sweep(now: now, limit: 3)
                    ended.withLock { $0 += n }
                    if n == 0 { break }
                }
            } catch { XCTFail("\(error)") }
        }
        XCTAssertEqual(ended.withLock { $0 }, ids.count)
        XCTAssertEqual(try database.scalarInt("SELECT count(*) FROM domain_events WHERE kind = 'membership.expired'"), ids.count)
        XCTAssertEqual(try database.scalarInt("SELECT sum(connected_drivers) FROM connections"), 0)
    }
}
