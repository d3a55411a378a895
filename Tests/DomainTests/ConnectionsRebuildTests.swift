import Domain
import Storage
import XCTest

/// A migration that rebuilds `connections` (the way a new allowed value gets into a CHECK) keeps
/// every row that hangs off it, or changes nothing.
final class ConnectionsRebuildTests: XCTestCase {
    var database: Database!

    override func setUpWithError() throws {
        database = try sqliteDemoDatabase(connections: 300)
    }

    static let children = ["memberships", "membership_answers", "connection_benefits", "connection_questions", "connection_email_domains"]

    /// Every row of `table`, each as one line, in a stable order.
    func rows(_ table: String) throws -> [String] {
        try database.query("SELECT * FROM \(raw: table)") { row in
            (0..<row.columnCount).map { "\(row.value($0))" }.joined(separator: "|")
        }.sorted()
    }

    func snapshot() throws -> [String: [String]] {
        var tables: [String: [String]] = [:]
        for table in ["connections"] + Self.children { tables[table] = try rows(table) }
        return tables
    }

    /// The indexes and triggers on `connections`, and the triggers elsewhere that update it.
    func attachedSchema() throws -> [String] {
        try database.query("""
            SELECT name || ': ' || sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND sql IS NOT NULL
            AND (tbl_name = 'connections' OR sql LIKE '%UPDATE connections%') ORDER BY name
            """) { $0.text(0) }
    }

    /// Migration 5 for this test: `connections` with one more connection type, written as a
    /// released rebuild would be. The table and the indexes and triggers on it are read back from
    /// the schema here; a real migration spells them out. `keeping` limits the rows copied.
    func rebuild(keeping condition: String = "1") throws -> Migrator {
        let table = try database.query("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'connections'") { $0.text(0) }[0]
        let widened = table.replacingOccurrences(of: "CREATE TABLE connections (", with: "CREATE TABLE connections_new (")
            .replacingOccurrences(of: "'Leasing Company')", with: "'Leasing Company', 'Fleet')")
        XCTAssertTrue(widened.hasPrefix("CREATE TABLE connections_new (") && widened.contains("'Fleet'"), "the test's rewrite missed")
        let attached = try database.query("""
            SELECT sql || ';' FROM sqlite_master WHERE tbl_name = 'connections' AND type IN ('index', 'trigger') AND sql IS NOT NULL
            """) { $0.text(0) }
        XCTAssertEqual(attached.filter { $0.hasPrefix("CREATE TRIGGER") }.count, 7, "the search index's triggers and the overview's")
        let sql = ([widened + ";",
                    "INSERT INTO connections_new SELECT * FROM connections WHERE \(condition);",
                    "DROP TABLE connections;",
                    "ALTER TABLE connections_new RENAME TO connections;"] + attached).joined(separator: "\n")
        return Migrator(migrations: Schema.migrations + [
            Migration(version: Schema.migrations.count + 1, name: "Fleet connections", sql: sql, rebuildsTables: true),
        ])
    }

    func searchCount(_ text: String) throws -> Int {
        try database.scalarInt("SELECT count(*) FROM connections_search WHERE connections_search MATCH \(p: 1)", [.text("name : \"\(text)\"")])
    }

    func testARebuildKeepsEveryRowIndexAndTrigger() throws {
        let before = try snapshot()
        for table in Self.children { XCTAssertGreaterThan(before[table]?.count ?? 0, 0, "the demo data has no \(table)") }
        let schemaBefore = try attachedSchema()
        let searched = try searchCount("ploy")
        XCTAssertGreaterThan(searched, 0)

        XCTAssertEqual(try rebuild().migrate(database), [Schema.migrations.count + 1])

        XCTAssertEqual(try snapshot(), before)
        XCTAssertEqual(try attachedSchema(), schemaBefore)
        XCTAssertEqual(try database.query("PRAGMA foreign_key_check") { $0.text(0) }, [])
        XCTAssertEqual(try database.scalarInt("PRAGMA foreign_keys"), 1)
        XCTAssertEqual(try database.scalarInt("PRAGMA legacy_alter_table"), 0)
        // The search index still matches the table row for row, answers, and follows edits.
        try database.execute("INSERT INTO connections_search (connections_search, rank) VALUES ('integrity-check', 1)")
        XCTAssertEqual(try searchCount("ploy"), searched)
        try database.run("UPDATE connections SET name = 'Qwzx crew' WHERE id = 1")
        XCTAssertEqual(try searchCount("qwzx"), 1)
        // The new value is allowed, others still are not.
        try database.run("UPDATE connections SET connection_type = 'Fleet' WHERE id = 1")
        XCTAssertThrowsError(try database.run("UPDATE connections SET connection_type = 'Bus' WHERE id = 1"))
        // The membership counters, triggers on another table, still count into the new table.
        let connected: SQLFragment = "SELECT connected_drivers FROM connections WHERE id = 1"
        let count = try database.scalarInt(connected)
        try database.run("INSERT INTO drivers (id, name, email, created_at) VALUES (999999, 'New', 'new@driver.test', 'x')")
        try database.run("""
            INSERT INTO memberships (connection_id, driver_id, driver_name, state, requested_at)
            VALUES (1, 999999, 'New', 'Connected', 'x')
            """)
        XCTAssertEqual(try database.scalarInt(connected), count + 1)
        // And a foreign key is enforced again.
        XCTAssertThrowsError(try database.run("INSERT INTO connection_questions VALUES (999999, 0, 'Orphan?')"))
    }

    func testARebuildThatWouldLeaveRowsWithoutParentsChangesNothing() throws {
        let before = try snapshot()
        let table: SQLFragment = "SELECT sql FROM sqlite_master WHERE name = 'connections'"
        let tableBefore = try database.query(table) { $0.text(0) }

        XCTAssertThrowsError(try rebuild(keeping: "id % 2 = 0").migrate(database)) { error in
            XCTAssertTrue("\(error)".contains("has no parent in connections"), "\(error)")
        }

        XCTAssertEqual(try Migrator().currentVersion(of: database), Schema.migrations.count)
        XCTAssertEqual(try database.query(table) { $0.text(0) }, tableBefore)
        XCTAssertEqual(try snapshot(), before)
        XCTAssertEqual(try database.scalarInt("SELECT count(*) FROM sqlite_master WHERE name = 'connections_new'"), 0)
        XCTAssertEqual(try database.scalarInt("PRAGMA foreign_keys"), 1)
        XCTAssertEqual(try database.scalarInt("PRAGMA legacy_alter_table"), 0)
    }
}
