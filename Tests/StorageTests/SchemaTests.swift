import Foundation
import Storage
import XCTest

final class SchemaTests: XCTestCase {
    var database: Database!

    override func setUpWithError() throws {
        database = try Database(path: ":memory:")
        try Migrator().migrate(database)
        try database.run("INSERT INTO organizations (id, name, name_for_drivers, created_at) VALUES (1, 'Acme', 'Acme', '2026-01-01T00:00:00Z')")
    }

    func insertConnection(id: Int, name: String = "Employees", status: String = "Enabled", searchCode: String? = nil) throws {
        try database.run("""
            INSERT INTO connections (id, org_id, name, status, connection_type, approval_type, visibility, search_code, invite_token, created_at, updated_at)
            VALUES (\(p: 1), 1, \(p: 2), \(p: 3), 'Standard', 'Manually approve', 'Private', \(p: 4), \(p: 5), '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')
            """, [.init(id), .text(name), .text(status), .text(searchCode ?? "TESTXY" + String(repeating: "Z", count: id + 1)), .text("token-\(id)-aaaaaaaaaaaaaaaaaaaa")])
    }

    func assertRejected(_ sql: SQLFragment, _ parameters: [SQLValue] = [], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try database.run(sql, parameters), file: file, line: line) { error in
            XCTAssertTrue((error as? StorageError)?.isConstraintViolation == true, "\(error)", file: file, line: line)
        }
    }

    func testMigrationsRecordTheirVersionAndRunOnce() throws {
        XCTAssertEqual(try Migrator().currentVersion(of: database), Schema.migrations.count)
        XCTAssertEqual(try Migrator().migrate(database), [])
    }

    func testForeignKeysAndWALAreOnForFiles() throws {
        let path = NSTemporaryDirectory() + "schema-\(UUID().uuidString).sqlite"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try Database(path: path)
        XCTAssertEqual(try file.scalar("PRAGMA journal_mode"), .text("wal"))
        XCTAssertEqual(try file.scalarInt("PRAGMA synchronous"), 2, "FULL: a commit is on disk when it returns")
        XCTAssertEqual(try file.scalarInt("PRAGMA foreign_keys"), 1)
    }

    func testRejectsImpossibleConnections() throws {
        try insertConnection(id: 1)
        // Unknown status.
        XCTAssertThrowsError(try insertConnection(id: 2, name: "Guests", status: "Paused"))
        // Duplicate search code.
        XCTAssertThrowsError(try insertConnection(id: 3, name: "Staff", searchCode: "TESTXYZZ"))
        // Look-alike characters are not allowed in search codes.
        XCTAssertThrowsError(try insertConnection(id: 4, name: "Valet", searchCode: "ABCDE0O1"))
        // Same name in the same organization, in another case.
        XCTAssertThrowsError(try insertConnection(id: 5, name: "EMPLOYEES"))
        // Negative counts.
        assertRejected("UPDATE connections SET connected_drivers = -1 WHERE id = 1")
        assertRejected("UPDATE connections SET pending_requests = -1 WHERE id = 1")
        // Unknown benefit; a discount without its percentage; a percentage out of range.
        assertRejected("INSERT INTO connection_benefits VALUES (1, 0, 'Free parking', NULL)")
        assertRejected("INSERT INTO connection_benefits VALUES (1, 0, 'Discounted charging', NULL)")
        assertRejected("INSERT INTO connection_benefits VALUES (1, 0, 'Discounted charging', 101)")
        assertRejected("INSERT INTO connection_benefits VALUES (1, 0, 'Free charging', 10)")
        // A malformed allow-listed domain.
        assertRejected("INSERT INTO connection_email_domains VALUES (1, 'Not A Domain')")
        // A connection of an organization that does not exist.
        assertRejected("UPDATE connections SET org_id = 999 WHERE id = 1")
        XCTAssertEqual(try database.scalarInt("SELECT count(*) FROM connections"), 1)
    }

    func testConnectedDriversCountsConnectedMembershipsOnly() throws {
        try insertConnection(id: 1)
        let states = ["Connected", "Connected", "Connected", "Pending", "Pending", "Denied", "Removed"]
        for (index, state) in states.enumerated() {
            try database.run("INSERT INTO drivers (id, name, email, created_at) VALUES (\(p: 1), 'D', \(p: 2), 'x')", [.init(index + 1), .text("d\(index)@x.example")])
            try database.run("""
                INSERT INTO memberships (connection_id, driver_id, driver_name, state, denial_reason, requested_at)
                VALUES (1, \(p: 1), 'D', \(p: 2), \(p: 3), 'x')
                """, [.init(index + 1), .text(state), state == "Denied" ? .text("No") : .null])
        }
        func counts() throws -> [Int] {
            try database.query("SELECT connected_drivers, pending_requests FROM connections WHERE id = 1") { [$0.int(0), $0.int(1)] }[0]
        }
        XCTAssertEqual(try counts(), [3, 2])
        try database.run("UPDATE memberships SET state = 'Connected' WHERE driver_id = 4")   // approve
        XCTAssertEqual(try counts(), [4, 1])
        try database.run("UPDATE memberships SET state = 'Removed' WHERE driver_id = 1")     // remove
        XCTAssertEqual(try counts(), [3, 1])
        try database.run("UPDATE memberships SET state = 'Pending' WHERE driver_id = 7")     // removed driver asks again
        XCTAssertEqual(try counts(), [3, 2])
        try database.run("DELETE FROM memberships WHERE driver_id = 2")
        XCTAssertEqual(try counts(), [2, 2])
        assertRejected("UPDATE memberships SET state = 'Denied' WHERE driver_id = 3")       // a denial needs a reason
        assertRejected("UPDATE memberships SET state = 'Maybe' WHERE driver_id = 3")
    }

    func testTransactionRollsBackOnError() throws {
        struct Stop: Error {}
        XCTAssertThrowsError(try database.transaction(locking: []) {
            try insertConnection(id: 1)
            throw Stop()
        })
        XCTAssertEqual(try database.scalarInt("SELECT count(*) FROM connections"), 0)
    }

    func testBulkLoadRebuildsIndexesAndChecksForeignKeys() throws {
        let indexes: SQLFragment = "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'connections'"
        let schema: SQLFragment = "SELECT type || ' ' || name || ': ' || sql FROM sqlite_master WHERE tbl_name = 'connections' ORDER BY name"
        let before = try database.scalarInt(indexes)
        let schemaBefore = try database.query(schema) { $0.text(0) }
        try database.bulkLoad(deferringIndexesOf: ["connections"]) {
            XCTAssertEqual(try database.scalarInt(indexes), 0)
            try insertConnection(id: 1)
        }
        XCTAssertEqual(try database.scalarInt(indexes), before)
        // Indexes and triggers come back as the migrations made them.
        XCTAssertEqual(try database.query(schema) { $0.text(0) }, schemaBefore)
        // The search indexes were rebuilt and their triggers are back.
        XCTAssertEqual(try database.scalarInt("SELECT count(*) FROM connections_search WHERE connections_search MATCH 'name : \"ploy\"'"), 1)
        try insertConnection(id: 5, name: "Deployment crew")
        XCTAssertEqual(try database.scalarInt("SELECT count(*) FROM connections_search WHERE connections_search MATCH 'name : \"ploy\"'"), 2)
        XCTAssertEqual(try database.scalarInt("PRAGMA foreign_keys"), 1)
        XCTAssertEqual(try database.scalarInt("PRAGMA synchronous"), 2, "back to FULL after the load")
    }

    /// A failed check throws: the load is for a new database, which the caller then deletes.
    func testBulkLoadRefusesBrokenRowsOnDiskAndInMemory() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bulk-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for path in [":memory:", folder.appendingPathComponent("a.sqlite").path, folder.appendingPathComponent("b.sqlite").path] {
            database = try Database(path: path)
            try Migrator().migrate(database)
            try database.run("INSERT INTO organizations (id, name, name_for_drivers, created_at) VALUES (1, 'Acme', 'Acme', '2026-01-01T00:00:00Z')")
            // A row whose parent is missing.
            XCTAssertThrowsError(try database.bulkLoad(deferringIndexesOf: []) {
                try database.run("INSERT INTO connection_questions VALUES (42, 0, 'Employee ID')")
            }, path)
            // CHECK constraints, skipped row by row, are checked at the end.
            XCTAssertThrowsError(try database.bulkLoad(deferringIndexesOf: ["connections"]) {
                try insertConnection(id: 3, name: "Guests", status: "Paused")
            }, path)
            XCTAssertThrowsError(try insertConnection(id: 4, name: "Staff", status: "Paused"), path)
            // Unique indexes come back enforcing uniqueness.
            XCTAssertThrowsError(try database.bulkLoad(deferringIndexesOf: ["connections"]) {
                try insertConnection(id: 1, name: "Guests", searchCode: "TESTXYZZ")
                try insertConnection(id: 2, name: "Guests", searchCode: "TESTXYZZ")
            }, path)
        }
    }

    func testStatementsRoundTripTextWithQuotesAndNonASCII() throws {
        let text = "O'Brien \"quoted\" ÉCOLE 🚗 \u{0}after-nul"
        XCTAssertEqual(try database.scalar("SELECT \(p: 1)", [.text(text)]), .text(text))
        XCTAssertEqual(try database.scalar("SELECT \(p: 1)", [.null]), .null)
        XCTAssertEqual(try database.scalar("SELECT \(p: 1) + 1", [.integer(41)]), .integer(42))
    }
}

final class RememberedResultTests: XCTestCase {
    func testARememberedCountFollowsWritesOfThisAndOtherConnections() throws {
        let path = NSTemporaryDirectory() + "remembered-\(UUID().uuidString).sqlite"
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let reader = try Database(path: path)
        try reader.execute("CREATE TABLE t (x INTEGER)")
        let writer = try Database(path: path)
        let count: SQLFragment = "SELECT count(*) FROM t"
        XCTAssertEqual(try reader.rememberedScalarInt(count), 0)
        try writer.run("INSERT INTO t VALUES (1)")
        XCTAssertEqual(try reader.rememberedScalarInt(count), 1)   // another connection committed
        try reader.run("INSERT INTO t VALUES (2)")
        XCTAssertEqual(try reader.rememberedScalarInt(count), 2)   // this connection wrote
        XCTAssertEqual(try reader.rememberedScalarInt("SELECT count(*) FROM t WHERE x = \(p: 1)", [1]), 1)
        XCTAssertEqual(try reader.rememberedScalarInt("SELECT count(*) FROM t WHERE x = \(p: 1)", [2]), 1)
        try writer.run("DELETE FROM t")
        XCTAssertEqual(try reader.rememberedScalarInt(count), 0)
    }
}

extension RememberedResultTests {
    func testRememberedOptionalsAreComputedOnceAndNotConfusedWithMissingKeys() throws {
        let database = try Database(path: ":memory:")
        var computed = 0
        func lookUp() throws -> String? { try database.remembered("k") { () -> String? in computed += 1; return computed > 1 ? "x" : nil } }
        XCTAssertNil(try lookUp())
        XCTAssertNil(try lookUp())  // a remembered nil, not a miss
        XCTAssertEqual(computed, 1)
        XCTAssertEqual(try database.remembered("other") { "value" }, "value")
    }
}
