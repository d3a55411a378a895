import Foundation
import Storage
import TestSupport
import XCTest
@testable import Domain

/// A roster import on either database: its plan (new, unchanged, changed, removed, invalid), the
/// commands it runs as one transaction (all or none), its audit entry and `import.completed` event,
/// and the export it round-trips with.
final class RosterImportTests: XCTestCase {
    var location = DatabaseLocation.sqlite(path: "")
    var database: Database!
    var admin: Access!
    var connection = 0

    override func setUpWithError() throws {
        location = try TestDatabases.empty(in: FileManager.default.temporaryDirectory)
        database = try Database(location: location)
        try database.run("INSERT INTO organizations (id, name, name_for_drivers, created_at) VALUES (1, 'Acme', 'Acme', 'x')")
        let accounts = Accounts(database: database)
        let user = try accounts.createUser(email: "admin@acme.test", name: "Ada", password: "long enough password")
        try accounts.setRole(userID: user, organizationID: 1, role: .admin)
        admin = try XCTUnwrap(accounts.access(userID: user))
        connection = try CreateConnection(organizationID: 1, ConnectionSettings(name: "Staff", nameForDrivers: "Acme drivers", approval: .manual,
                                                                               benefits: [.freeCharging], questions: ["Employee ID"]))
            .run(by: admin, in: database)
    }

    override func tearDown() {
        database = nil
        TestDatabases.drop(location)
        if case .sqlite(let path) = location { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
    }

    func file(_ text: String, name: String = "staff.csv") -> ImportFile { ImportFile(name: name, bytes: Array(text.utf8)) }

    func importing(_ text: String, _ mode: ImportMode) -> ImportRoster { ImportRoster(file(text), mode: mode, connectionID: connection, expected: nil) }

    func states() throws -> [String] {
        try database.query("SELECT d.email, m.state FROM memberships m JOIN drivers d ON d.id = m.driver_id ORDER BY d.email") { "\($0.text(0)) \($0.text(1))" }
    }

    func testAddAndConnectConnectsEachNewDriverWithItsAnswersAuditedAsTheImport() throws {
        let text = "name;EMAIL;employee id\nAl;al@acme.example;7\r\nBo;\"bo@acme.example\";\"8\"\n\n;;\n"
        let plan = try importing(text, .addAndConnect).preview(by: admin, in: database)
        XCTAssertEqual(plan.new.map(\.email), ["al@acme.example", "bo@acme.example"])
        XCTAssertEqual(plan.new.map(\.answers), [["7"], ["8"]])
        XCTAssertEqual(try states(), [], "a preview writes nothing")

        let lastEvent = try database.scalarInt("SELECT coalesce(max(id), 0) FROM domain_events")
        _ = try importing(text, .addAndConnect).run(by: admin, in: database)
        XCTAssertEqual(try states(), ["al@acme.example Connected", "bo@acme.example Connected"])
        XCTAssertEqual(try database.query("SELECT answer FROM membership_answers ORDER BY answer") { $0.text(0) }, ["7", "8"])
        let audit = try database.query("SELECT action, details FROM audit_log WHERE action <> 'Created connection' ORDER BY id") { "\($0.text(0)) \($0.text(1))" }
        XCTAssertEqual(audit.count, 3)
        XCTAssertTrue(audit[0].hasPrefix("Approved driver") && audit[0].contains("import of staff.csv"), audit[0])
        XCTAssertTrue(audit[2].hasPrefix("Imported drivers") && audit[2].contains(plan.fileHash) && audit[2].contains("Add and connect"), audit[2])
        let events = try DomainEvents(database: database).after(lastEvent).map(\.event)
        XCTAssertEqual(events.map(\.kind), [.requestApproved, .requestApproved, .importCompleted])
        XCTAssertEqual(events.last, DomainEvent(.importCompleted, organization: 1, connection: connection, payload: .object([
            ("mode", "add_and_connect"), ("file_sha256", .string(plan.fileHash)), ("new", 2), ("unchanged", 0), ("changed", 0), ("removed", 0)])))

        // The same file again: nothing new.
        let again = try importing(text, .addAndConnect).preview(by: admin, in: database)
        XCTAssertEqual(again.unchanged.count, 2)
        XCTAssertEqual(again.new.count + again.changed.count + again.invalid.count, 0)
    }

    func testAddInvitesByEmailAndSkipsDriversAlreadyThere() throws {
        _ = try importing("Email,Name\nal@acme.example,Al\n", .addAndConnect).run(by: admin, in: database)
        let plan = try importing("Email,Name\nal@acme.example,Al\nnew@acme.example,\n", .add).run(by: admin, in: database)
        XCTAssertEqual(plan.new.map(\.email), ["new@acme.example"])
        XCTAssertEqual(plan.unchanged.map(\.email), ["al@acme.example"])
        XCTAssertEqual(try database.query("SELECT recipient FROM outbox WHERE kind = 'invite'") { $0.text(0) }, ["new@acme.example"])
        XCTAssertEqual(try states(), ["al@acme.example Connected"], "an invite connects nobody until they follow it")
    }

    func testReplaceRemovesConnectedDriversNotInTheFileWithTheRemovalEmail() throws {
        _ = try importing("Email,Name\nal@acme.example,Al\nbo@acme.example,Bo\n", .addAndConnect).run(by: admin, in: database)
        let plan = try importing("Email\nbo@acme.example\ncy@acme.example\n", .replace).preview(by: admin, in: database)
        XCTAssertEqual(plan.removed.map(\.email), ["al@acme.example"])
        XCTAssertEqual(plan.new.map(\.email), ["cy@acme.example"])
        _ = try ImportRoster(file("Email\nbo@acme.example\ncy@acme.example\n"), mode: .replace, connectionID: connection, expected: plan.digest)
            .run(by: admin, in: database)
        XCTAssertEqual(try states(), ["al@acme.example Removed", "bo@acme.example Connected"])
        XCTAssertEqual(try database.query("SELECT kind FROM outbox WHERE recipient = 'al@acme.example' ORDER BY id") { $0.text(0) }.last, "driver removed")
    }

    func testInvalidRowsAreNamedAndNothingIsHalfApplied() throws {
        let text = "Email,Name,Employee ID\nal@acme.example,Al,1\nnot-an-address,X,2\nAL@acme.example,Al again,3\nbo@acme.example,,4\n"
        let plan = try importing(text, .addAndConnect).preview(by: admin, in: database)
        XCTAssertEqual(plan.invalid, [
            RosterPlan.Problem(row: 3, column: "Email", reason: "not an email address"),
            RosterPlan.Problem(row: 4, column: "Email", reason: "AL@acme.example is already in row 2"),
            RosterPlan.Problem(row: 5, column: "Name", reason: "a driver connected by an import needs a name"),
        ])
        XCTAssertThrowsError(try importing(text, .addAndConnect).run(by: admin, in: database))
        XCTAssertEqual(try states(), [])
        XCTAssertEqual(try database.scalarInt("SELECT count(*) FROM domain_events WHERE kind = 'import.completed'"), 0)

        // A command failing midway (the second batch of invites, past the daily limit) rolls back the first batch.
        let many = "Email\n" + (1...501).map { "d\($0)@acme.example" }.joined(separator: "\n")
        XCTAssertThrowsError(try ImportRoster(file(many), mode: .add, connectionID: connection, expected: nil, dailyLimit: 500).run(by: admin, in: database)) {
            XCTAssertEqual(($0 as? UserError).map(ErrorKind.init), .tooManyRequests)
        }
        XCTAssertEqual(try database.scalarInt("SELECT count(*) FROM outbox"), 0)
        XCTAssertEqual(try database.scalarInt("SELECT count(*) FROM audit_log WHERE action <> 'Created connection'"), 0)
    }

    enum ErrorKind: Equatable {
        case tooManyRequests, other
        init(_ error: UserError) { if case .tooManyRequests = error { self = .tooManyRequests } else { self = .other } }
    }

    func testAMissingOrUnknownColumnStopsThePreview() throws {
        XCTAssertThrowsError(try importing("Name\nAl\n", .add).preview(by: admin, in: database)) {
            XCTAssertTrue(($0 as? UserError)?.message.contains("no Email column") ?? false, "\($0)")
        }
        XCTAssertThrowsError(try importing("Email,Shoe size\na@acme.example,9\n", .add).preview(by: admin, in: database)) {
            XCTAssertTrue(($0 as? UserError)?.message.contains("Column 2 is \"Shoe size\"") ?? false, "\($0)")
        }
    }

    func testAPreviewThatNoLongerMatchesAppliesNothing() throws {
        let text = "Email,Name\nal@acme.example,Al\n"
        let plan = try importing(text, .addAndConnect).preview(by: admin, in: database)
        _ = try importing("Email,Name\nal@acme.example,Al\n", .addAndConnect).run(by: admin, in: database)
        XCTAssertThrowsError(try ImportRoster(file(text), mode: .addAndConnect, connectionID: connection, expected: plan.digest).run(by: admin, in: database)) {
            XCTAssertEqual(($0 as? ImportPlanChanged)?.plan.unchanged.count, 1)
        }
    }

    /// Export -> import: the roster reads back as unchanged.
    func testTheExportReadsBackUnchanged() throws {
        _ = try importing("Email,Name,Employee ID\nal@acme.example,\"Al, Jr.\",7\nbo@acme.example,Bo,\n", .addAndConnect).run(by: admin, in: database)
        let exported = try Roster(database: database).csv(connectionID: connection)
        let text = String(decoding: exported, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("\u{FEFF}Email,Name,State,Employee ID,Joined,Decided by\r\nal@acme.example,\"Al, Jr.\",Connected,7,"), text)
        let plan = try ImportRoster(ImportFile(name: "roster.csv", bytes: exported), mode: .replace, connectionID: connection, expected: nil)
            .preview(by: admin, in: database)
        XCTAssertEqual(plan.unchanged.count, 2)
        XCTAssertEqual(plan.new.count + plan.changed.count + plan.removed.count + plan.invalid.count, 0)
    }

    /// An import's thousands of rows are written a slice at a time through the same checks as one
    /// decision: a few statements per few hundred rows, not about ten a row.
    func testAddAndConnectWritesThousandsOfRowsWithAFewStatementsPerSlice() throws {
        let rows = 2_000
        var text = "Email,Name,Employee ID\n"
        for row in 0..<rows { text += "d\(row)@acme.example,Driver \(row),\(row)\n" }
        try database.run("INSERT INTO drivers (name, email, created_at) VALUES ('Known', 'D7@ACME.example', 'x')")
        let before = database.statementsRun
        _ = try importing(text, .addAndConnect).run(by: admin, in: database)
        XCTAssertLessThan(database.statementsRun - before, 200)
        XCTAssertEqual(try database.scalarInt("SELECT count(*) FROM memberships WHERE state = 'Connected'"), rows)
        XCTAssertEqual(try database.scalarInt("SELECT count(*) FROM drivers"), rows, "the driver known by another spelling of the address is shared")
        XCTAssertEqual(try database.scalarInt("SELECT count(*) FROM membership_answers"), rows)
        XCTAssertEqual(try database.scalarInt("SELECT count(*) FROM outbox WHERE kind = 'request approved'"), rows)
        XCTAssertEqual(try database.scalarInt("SELECT count(*) FROM audit_log WHERE action = 'Approved driver'"), rows)
        XCTAssertEqual(try database.scalarInt("SELECT connected_drivers FROM connections WHERE id = \(p: 1)", [.init(connection)]), rows)
    }
}
