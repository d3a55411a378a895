import Foundation
import Storage
import TestSupport
import XCTest
@testable import Domain

/// The overview's figures on either database: kept by the writes (joins, decisions, removals,
/// asking again, deleting a connection, email invites), equal to a count of the memberships
/// themselves, the same for the installation's rows as for the organizations', and brought to an
/// existing installation by its migration.
final class OverviewTests: XCTestCase {
    var location = DatabaseLocation.sqlite(path: "")
    var database: Database!
    var admin: Access!

    override func setUpWithError() throws {
        location = try TestDatabases.empty(in: FileManager.default.temporaryDirectory)
        database = try Database(location: location)
        admin = try Self.makeAdmin(in: database)
    }

    override func tearDown() {
        database = nil
        TestDatabases.drop(location)
        if case .sqlite(let path) = location { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
    }

    static func makeAdmin(in database: Database) throws -> Access {
        try database.run("INSERT INTO organizations (id, name, name_for_drivers, created_at) VALUES (1, 'Acme', 'Acme', 'x'), (2, 'Birch', 'Birch', 'x')")
        let accounts = Accounts(database: database)
        let user = try accounts.createUser(email: "admin@acme.test", name: "Ada", password: "long enough password")
        for organization in [1, 2] { try accounts.setRole(userID: user, organizationID: organization, role: .admin) }
        return try XCTUnwrap(accounts.access(userID: user))
    }

    func connection(_ name: String, in organization: Int, approval: ApprovalType) throws -> Int {
        let settings = ConnectionSettings(name: name, nameForDrivers: name, approval: approval, benefits: [.freeCharging], discountPercent: nil,
                                          emailDomains: approval == .emailDomain ? ["acme.example"] : [], questions: [])
        return try CreateConnection(organizationID: organization, settings).run(by: admin, in: database)
    }

    @discardableResult
    func join(_ connection: Int, _ email: String, confirming: Bool = false) throws -> (membership: Int, status: String) {
        let requests = JoinRequests(database: database, emailEnabled: confirming)
        let token = try database.query("SELECT invite_token FROM connections WHERE id = \(p: 1)", [.init(connection)]) { $0.text(0) }[0]
        let joinable = try XCTUnwrap(requests.joinable(token: token))
        let form = JoinForm(name: "Driver", email: email, answers: [], agreedToTerms: true)
        let outcome = try RequestToJoin(form, to: joinable).run(from: .init(address: "192.0.2.9", formToken: "form-" + UUID().uuidString), with: requests)
        guard case .created(let status) = outcome else { throw UserError.conflict("\(outcome)") }
        let membership = try database.scalarInt("""
            SELECT m.id FROM memberships m JOIN drivers d ON d.id = m.driver_id WHERE m.connection_id = \(p: 1) AND d.email = \(p: 2)
            """, [.init(connection), .text(email)])
        if confirming {
            // The driver opens the confirmation link: the connection's domains approve them.
            let link = try XCTUnwrap(database.transaction(locking: []) { try EmailConfirmations(database: database).issue(membership: membership, now: Date()) })
            _ = try EmailConfirmations(database: database).confirm(token: link)
        }
        return (membership, status)
    }

    /// What the overview says, checked against the memberships themselves.
    func assertFiguresMatchTheMemberships(_ organizations: [Int], file: StaticString = #filePath, line: UInt = #line) throws {
        let overview = try Overview.read(organizations: organizations, in: database)
        let list = SQLValue.idList(organizations)
        let counted = try database.query("""
            SELECT coalesce(sum(CASE WHEN m.state = 'Pending' THEN 1 ELSE 0 END), 0), coalesce(sum(CASE WHEN m.state = 'Connected' THEN 1 ELSE 0 END), 0)
            FROM memberships m JOIN connections c ON c.id = m.connection_id WHERE c.org_id IN (\(ids: 1))
            """, [list]) { [$0.int(0), $0.int(1)] }[0]
        XCTAssertEqual([overview.pending, overview.connected], counted, "pending, connected", file: file, line: line)
        XCTAssertEqual(overview.backlog.last?.count, counted[0], "today's backlog", file: file, line: line)
        XCTAssertEqual(overview.ages.reduce(0, +), counted[0], "ages", file: file, line: line)
        XCTAssertEqual(overview.connections, try database.scalarInt("SELECT count(*) FROM connections WHERE org_id IN (\(ids: 1))", [list]),
                       file: file, line: line)
        XCTAssertEqual(overview.emptyConnections,
                       try database.scalarInt("SELECT count(*) FROM connections WHERE connected_drivers = 0 AND org_id IN (\(ids: 1))", [list]),
                       file: file, line: line)
        let top = try database.query("""
            SELECT id, connected_drivers FROM connections WHERE connected_drivers > 0 AND org_id IN (\(ids: 1)) ORDER BY connected_drivers DESC, id DESC
            """, [list]) { "\($0.int(0)):\($0.int(1))" }
        XCTAssertEqual(overview.topConnections.map { "\($0.id):\($0.drivers)" }, top, file: file, line: line)
    }

    func testTheFiguresFollowJoinsDecisionsRemovalsAndDeletes() throws {
        let automatic = try connection("Visitors", in: 1, approval: .all)
        let domain = try connection("Staff", in: 1, approval: .emailDomain)
        let manual = try connection("Fleet", in: 2, approval: .manual)
        try join(automatic, "a1@else.example")
        try join(automatic, "a2@else.example")
        try join(domain, "d1@acme.example", confirming: true)
        let waiting = try join(domain, "d2@else.example")
        let fleet = try (0..<3).map { try join(manual, "m\($0)@else.example") }
        try assertFiguresMatchTheMemberships([1, 2])

        var overview = try Overview.read(organizations: [1, 2], in: database)
        XCTAssertEqual(overview.pending, 4)
        XCTAssertEqual(overview.ages, [4, 0, 0, 0], "every request is from today")
        XCTAssertEqual(overview.weeks.last?.requested, 7)
        XCTAssertEqual(overview.weeks.last?.invited, 0)
        XCTAssertEqual(overview.weeks.last.map { [$0.joinedAutomatic, $0.joinedByDomain, $0.joinedManual] }, [2, 1, 0])
        XCTAssertEqual(overview.backlog.count, Overview.backlogDays)
        XCTAssertEqual(overview.backlog.first?.count, 0, "nothing waited 90 days ago")
        XCTAssertEqual(overview.organizations.map(\.name), ["Birch", "Acme"], "the longest queue first")

        _ = try Decide(.approve, on: [waiting.membership, fleet[0].membership]).run(by: admin, in: database)
        _ = try Decide(.deny(reason: "Not staff"), on: [fleet[1].membership]).run(by: admin, in: database)
        _ = try Decide(.remove, on: [fleet[0].membership]).run(by: admin, in: database)
        try assertFiguresMatchTheMemberships([1, 2])
        try assertFiguresMatchTheMemberships([2])
        overview = try Overview.read(organizations: [1, 2], in: database)
        XCTAssertEqual(overview.weeks.last.map { [$0.joinedAutomatic, $0.joinedByDomain, $0.joinedManual, $0.denied, $0.removed] }, [2, 1, 2, 1, 1])
        XCTAssertEqual(overview.organizations.first { $0.name == "Birch" }?.growth, 0, "one joined, one removed")

        // Asking again is a new request; deleting a connection takes its requests out of the queue.
        let requests = JoinRequests(database: database)
        try AskAgain(statusToken: fleet[1].status, JoinForm(name: "Driver", email: "m1@else.example", answers: [], agreedToTerms: true), questions: [])
            .run(from: .init(address: "192.0.2.9", formToken: "form-" + UUID().uuidString), with: requests)
        XCTAssertEqual(try Overview.read(organizations: [2], in: database).pending, 2)
        let empty = try connection("Guests", in: 2, approval: .manual)
        try join(empty, "g@else.example")
        try DeleteConnection(empty).run(by: admin, in: database)
        try assertFiguresMatchTheMemberships([1, 2])
        try assertFiguresMatchTheMemberships([1])

        // Email invites, per week.
        _ = try SendInvites("x@else.example, y@else.example", connectionID: domain).run(by: admin, in: database)
        XCTAssertEqual(try Overview.read(organizations: [1], in: database).weeks.last?.invited, 2)
        XCTAssertEqual(try Overview.read(organizations: [2], in: database).weeks.last?.invited, 0)
    }

    /// An Admin of every organization reads the installation's rows: the same figures as the sum of the organizations'.
    func testTheInstallationsRowsAddUpTheOrganizations() throws {
        let first = try connection("Visitors", in: 1, approval: .all)
        let second = try connection("Fleet", in: 2, approval: .manual)
        try join(first, "a@else.example")
        let waiting = try join(second, "b@else.example")
        try join(second, "c@else.example")
        _ = try Decide(.approve, on: [waiting.membership]).run(by: admin, in: database)
        let everything = try Overview.read(organizations: [1, 2], in: database)
        let installation = try database.query("SELECT sum(requested), sum(joined_automatic + joined_domain + joined_manual) FROM overview_days WHERE org_id < 0") {
            [$0.int(0), $0.int(1)]
        }[0]
        XCTAssertEqual(installation, [3, 2])
        let one = try Overview.read(organizations: [1], in: database), other = try Overview.read(organizations: [2], in: database)
        XCTAssertEqual(everything.weeks.last?.requested, (one.weeks.last?.requested ?? 0) + (other.weeks.last?.requested ?? 0))
        XCTAssertEqual(everything.weeks.last?.joined, 2)
        XCTAssertEqual(everything.ages, [1, 0, 0, 0])
    }

    /// Migration 16 counts what an installation already holds: requests on their days, decisions on theirs.
    func testTheMigrationCountsTheMembershipsAlreadyThere() throws {
        let old = try TestDatabases.empty(in: FileManager.default.temporaryDirectory, atVersion: 15)
        defer { TestDatabases.drop(old) }
        let database = try Database(location: old)
        try database.execute("""
            INSERT INTO organizations (id, name, name_for_drivers, created_at) VALUES (1, 'Acme', 'Acme', 'x'), (2, 'Birch', 'Birch', 'x');
            INSERT INTO users (id, email, name, password_hash, created_at) VALUES (1, 'a@x.test', 'A', 'x', 'x');
            INSERT INTO connections (id, org_id, name, status, connection_type, approval_type, visibility, search_code, invite_token, created_at, updated_at)
                VALUES (1, 1, 'Staff', 'Enabled', 'Standard', 'Automatically approve by email domain', 'Private', 'ABCDEFG', 'abcdefghijklmnopqrstuvwx', 'x', 'x'),
                       (2, 1, 'Empty', 'Enabled', 'Standard', 'Manually approve', 'Private', 'ABCDEFH', 'abcdefghijklmnopqrstuvwy', 'x', 'x');
            INSERT INTO drivers (id, name, email, created_at) VALUES (1, 'D', 'd1@x.test', 'x'), (2, 'D', 'd2@x.test', 'x'), (3, 'D', 'd3@x.test', 'x');
            INSERT INTO memberships (connection_id, driver_id, driver_name, state, requested_at, decided_at, decided_by_user_id) VALUES
                (1, 1, 'D', 'Pending', '2026-12-01T10:00:00Z', NULL, NULL),
                (1, 2, 'D', 'Connected', '2026-11-20T10:00:00Z', '2026-11-20T10:00:00Z', NULL),
                (1, 3, 'D', 'Connected', '2026-11-21T10:00:00Z', '2026-11-25T09:00:00Z', 1);
            """)
        try Migrator().migrate(database)
        let now = try XCTUnwrap(DateText.parse("2026-12-08T12:00:00Z"))
        let overview = try Overview.read(organizations: [1], in: database, now: now)
        XCTAssertEqual([overview.pending, overview.connected, overview.connections, overview.emptyConnections], [1, 2, 2, 1])
        XCTAssertEqual(overview.ages, [0, 0, 0, 1], "requested a week ago")
        XCTAssertEqual(overview.backlog.first { $0.day == "2026-11-21" }?.count, 1)
        XCTAssertEqual(overview.backlog.first { $0.day == "2026-11-25" }?.count, 0)
        XCTAssertEqual(overview.backlog.last?.count, 1)
        let joined = overview.weeks.reduce(into: [0, 0, 0]) { $0[0] += $1.joinedAutomatic; $0[1] += $1.joinedByDomain; $0[2] += $1.joinedManual }
        XCTAssertEqual(joined, [0, 1, 1])
        XCTAssertEqual(try Overview.read(organizations: [1, 2], in: database, now: now).weeks.reduce(0) { $0 + $1.requested }, 3,
                       "every organization: the installation's rows")
    }
}
