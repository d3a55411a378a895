import Foundation
import Storage
import TestSupport
import XCTest

/// One schema: a database made from `Schema.current` and one that came through every migration
/// (SQLite's from version 1, PostgreSQL's from its baseline, 9) read back from their catalogs
/// hold exactly what the description says, in both directions. Runs on PostgreSQL when
/// CONNECTIONS_TEST_POSTGRES is set.
final class SchemaDescriptionTests: XCTestCase {
    var made: [DatabaseLocation] = []

    override func tearDown() {
        made.forEach(TestDatabases.drop)
        made = []
    }

    func database(fromMigrations: Bool) throws -> Database {
        let location = try fromMigrations
            ? TestDatabases.empty(in: FileManager.default.temporaryDirectory, atVersion: Schema.migrations.count)
            : TestDatabases.empty(in: FileManager.default.temporaryDirectory)
        made.append(location)
        return try Database(location: location)
    }

    func assertSame(_ live: SchemaFacts, _ expected: SchemaFacts, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let differences = live.differences(from: expected, what, "the description")
        XCTAssert(differences.isEmpty, "\(what) and the description differ:\n" + differences.joined(separator: "\n"), file: file, line: line)
    }

    func testTheDescriptionIsAtTheLatestMigration() {
        XCTAssertEqual(Schema.current.version, Schema.migrations.count, "a new migration changes the description too (and the other way round)")
        XCTAssertEqual(PostgresSchema.migrations.last?.version, Schema.current.version)
    }

    func testANewDatabaseIsMadeFromTheDescription() throws {
        let database = try database(fromMigrations: false)
        XCTAssertEqual(try Migrator().currentVersion(of: database), Schema.current.version)
        assertSame(try SchemaFacts.read(database), SchemaFacts(Schema.current, on: database.dialect), "a new database")
        XCTAssertEqual(try database.scalarInt("SELECT count(*) FROM installation_secrets"), 1, "its form-token key is drawn")
    }

    func testEveryMigrationEndsAtTheDescription() throws {
        let migrated = try database(fromMigrations: true)
        XCTAssertEqual(try Migrator().currentVersion(of: migrated), Schema.current.version)
        assertSame(try SchemaFacts.read(migrated), SchemaFacts(Schema.current, on: migrated.dialect), "the migrated database")
        // Down to the texts each database keeps of its checks, triggers and functions.
        let fresh = try database(fromMigrations: false)
        let differences = try SchemaFacts.read(migrated, detailed: true).differences(from: try SchemaFacts.read(fresh, detailed: true), "migrated", "new")
        XCTAssert(differences.isEmpty, differences.joined(separator: "\n"))
    }

    /// A description with a column more and an index less than the current one.
    func drifted() throws -> SchemaDescription {
        var tables = Schema.current.tables
        let index = try XCTUnwrap(tables.firstIndex { $0.name == "spent_form_tokens" })
        tables[index] = .init("spent_form_tokens", primaryKey: ["token"], withoutRowID: true, [
            .init("token", .text),
            .init("spent_at", .text, notNull: .both),
            .init("cost", .integer, notNull: .both, default: "1"),
        ])
        return SchemaDescription(version: Schema.current.version, tables: tables,
                                 indexes: Schema.current.indexes.filter { $0.name != "spent_form_tokens_spent_at" }, pieces: Schema.current.pieces)
    }

    /// A drift names what differs, on which side.
    func testADriftIsReadable() throws {
        let database = try database(fromMigrations: false)
        let differences = Set(try SchemaFacts.read(database).differences(from: SchemaFacts(try drifted(), on: database.dialect), "live", "description"))
        let integer = database.dialect == .sqlite ? "INTEGER" : "bigint"
        XCTAssert(differences.contains("only in description: column spent_form_tokens.cost #3 \(integer) not null default 1"), "\(differences)")
        XCTAssert(differences.contains("only in live: index spent_form_tokens_spent_at on spent_form_tokens (spent_at)"), "\(differences)")
        XCTAssert(differences.contains { $0.hasPrefix("only in live: check spent_form_tokens") }, "\(differences)")
        XCTAssertEqual(differences.count, 3, "\(differences)")
    }

    /// The migrator makes a new database of the description it is given, in one step at its version.
    func testANewDatabaseTakesTheDescriptionItIsGiven() throws {
        let database = try Database(path: ":memory:")
        let description = try drifted()
        XCTAssertEqual(try Migrator(schema: description).migrate(database), Array(1...description.version))
        XCTAssertEqual(try SchemaFacts.read(database), SchemaFacts(description, on: .sqlite))
        XCTAssertEqual(try Migrator(schema: description).migrate(database), [], "and only once")
    }

    /// `connections copy` fills every table the description has, parents first.
    func testTheCopyOrderPutsParentsFirst() {
        var seen = Set<String>()
        for table in Schema.current.tables {
            for column in table.columns {
                guard let parent = column.references?.table, parent != table.name else { continue }
                XCTAssert(seen.contains(parent), "\(table.name) comes before its parent \(parent)")
            }
            seen.insert(table.name)
        }
    }
}
