import Foundation
import Storage
import TestSupport
import XCTest
@testable import Domain

/// The driver's side of joining, on either database: what a search lists, and the form's checks.
final class JoinRequestsTests: XCTestCase {
    var location = DatabaseLocation.sqlite(path: "")

    override func setUpWithError() throws {
        location = try TestDatabases.empty(in: FileManager.default.temporaryDirectory)
    }

    override func tearDown() {
        TestDatabases.drop(location)
        if case .sqlite(let path) = location { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
    }

    /// Public connections of "Fleet <n>", each with `n` questions (the first with none).
    func makePublicConnections(_ count: Int, in database: Database) throws {
        try database.run("INSERT INTO organizations (id, name, name_for_drivers, created_at) VALUES (1, 'Fleet', 'Fleet Drivers', 'x')")
        var random = SystemRandomNumberGenerator()
        for n in 0..<count {
            try ConnectionWriter(database: database).insert(NewConnection(
                orgID: 1, name: "Fleet \(n)", status: .enabled, type: .standard, approval: .manual, visibility: .public,
                benefits: [Benefit(.freeCharging)], questions: (0..<n).map { "Question \($0) of \(n)" }, emailDomains: [],
                searchCode: InviteCodes.searchCode(using: &random), inviteToken: InviteCodes.inviteToken(using: &random),
                createdAt: "2026-01-01T00:00:00Z", updatedAt: "2026-01-01T00:00:00Z"))
        }
    }

    /// A search lists up to ten connections: counted by organization, then read, their questions in one query, not one per connection.
    func testASearchReadsEveryConnectionsQuestionsInOneQuery() throws {
        let database = try Database(location: location)
        try makePublicConnections(10, in: database)
        let before = database.statementsRun
        let found = try JoinRequests(database: database).publicSearch(organizationNamed: "fleet dr")
        XCTAssertEqual(database.statementsRun - before, 3, "the counts, the connections, then all of their questions")
        XCTAssertTrue(found.listed)
        XCTAssertEqual(found.groups.map(\.organization), ["Fleet Drivers"])
        let connections = found.groups.flatMap(\.connections)
        XCTAssertEqual(connections.map(\.connectionName), (0..<10).map { "Fleet \($0)" }.sorted())
        for joinable in connections {
            let n = Int(joinable.connectionName.dropFirst("Fleet ".count))!
            XCTAssertEqual(joinable.questions, (0..<n).map { "Question \($0) of \(n)" }, "in position order, and only its own")
        }
        let empty = database.statementsRun
        XCTAssertEqual(try JoinRequests(database: database).publicSearch(organizationNamed: "nobody").total, 0)
        XCTAssertEqual(database.statementsRun - empty, 1, "nothing found: only the counts")
    }

    /// Past ten, nothing is read but the counts by organization.
    func testASearchPastTenCountsAndListsNothing() throws {
        let database = try Database(location: location)
        try makePublicConnections(11, in: database)
        let before = database.statementsRun
        let found = try JoinRequests(database: database).publicSearch(organizationNamed: "FLEET")
        XCTAssertEqual(database.statementsRun - before, 1)
        XCTAssertFalse(found.listed)
        XCTAssertEqual(found.total, 11)
        XCTAssertEqual(found.groups.map(\.count), [11])
        XCTAssertTrue(found.groups[0].connections.isEmpty)
    }

    func testALinkFindsItsConnectionWithItsQuestions() throws {
        let database = try Database(location: location)
        try makePublicConnections(3, in: database)
        let token = try XCTUnwrap(database.query("SELECT invite_token FROM connections WHERE name = 'Fleet 2'") { $0.text(0) }.first)
        XCTAssertEqual(try JoinRequests(database: database).joinable(token: token)?.questions, ["Question 0 of 2", "Question 1 of 2"])
    }

    /// What a driver sends is a `JoinForm`, not a `Request` (the name the transport gives an HTTP request).
    func testAJoinFormNamesEachProblemByField() {
        let form = JoinForm(name: " ", email: "not an address", answers: ["fine", "line\nbreak"], agreedToTerms: false)
        XCTAssertEqual(Set(JoinRequests.problems(form, questions: ["A", "B", "C"]).keys), ["name", "email", "answer-1", "answer-2", "terms"])
        XCTAssertEqual(Set(JoinRequests.problems(form, questions: [], checkingEmail: false).keys), ["name", "terms"])
    }
}
