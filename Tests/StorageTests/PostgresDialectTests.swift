@testable import Storage
import XCTest

/// The app's SQL is SQLite's; these are the rewrites PostgreSQL needs, and what they leave alone.
final class PostgresDialectTests: XCTestCase {
    func translate(_ sql: String) -> String { PostgresDialect.translate(sql) }

    func testParametersAreNumberedAsSQLiteNumbersThem() {
        XCTAssertEqual(translate("SELECT ?, ?"), "SELECT $1, $2")
        XCTAssertEqual(translate("a = ?2 AND b = ?1 AND c = ?"), "a = $2 AND b = $1 AND c = $3")
        XCTAssertEqual(translate("x = '?' AND y = \"?\" AND z = ?"), "x = '?' AND y = \"?\" AND z = $1", "quoted text is kept")
        XCTAssertEqual(translate("x = 'it''s ?' AND y = ?"), "x = 'it''s ?' AND y = $1")
        XCTAssertEqual(translate("SELECT 1 -- why? because\nFROM t WHERE a = ?"), "SELECT 1 \nFROM t WHERE a = $1", "comments go")
    }

    func testNocaseIsLowerOnBothSides() {
        XCTAssertEqual(translate("ORDER BY c.name COLLATE NOCASE, c.id"), "ORDER BY lower(c.name), c.id")
        XCTAssertEqual(translate("email COLLATE NOCASE = ?1 COLLATE NOCASE"), "lower(email) = lower($1 COLLATE \"C\")")
        XCTAssertEqual(translate("(c.name COLLATE NOCASE, c.id) > (? COLLATE NOCASE, ?)"), "(lower(c.name), c.id) > (lower($1 COLLATE \"C\"), $2)")
        XCTAssertEqual(translate("ORDER BY (SELECT o.name FROM organizations o WHERE o.id = c.org_id) COLLATE NOCASE"),
                       "ORDER BY lower((SELECT o.name FROM organizations o WHERE o.id = c.org_id))")
        XCTAssertEqual(translate("ORDER BY coalesce(a, b) COLLATE NOCASE"), "ORDER BY lower(coalesce(a, b))")
    }

    func testSQLiteSpellingsPostgreSQLLacks() {
        XCTAssertEqual(translate("id IS NOT ?3"), "id IS DISTINCT FROM $3")
        XCTAssertEqual(translate("id IS ?3 AND x IS NOT NULL"), "id IS NOT DISTINCT FROM $3 AND x IS NOT NULL")
        XCTAssertEqual(translate("SELECT c.rowid FROM t"), "SELECT c.id FROM t")
        XCTAssertEqual(translate("instr(char(10) || x, char(10) || ?)"), "instr(chr(10) || x, chr(10) || $1)")
        XCTAssertEqual(translate("substr(x, -length(?))"), "sqlite_substr(x, -length($1))")
        XCTAssertEqual(translate("SET attempts = max(0, attempts - 1)"), "SET attempts = greatest(0, attempts - 1)")
        XCTAssertEqual(translate("SELECT max(id), min(f(a, b)) FROM t"), "SELECT max(id), min(f(a, b)) FROM t", "aggregates stay")
        XCTAssertEqual(translate("WHERE +c.id IN (1) AND (+c.name = 'a+b') AND x + 1 > 2"), "WHERE c.id IN (1) AND (c.name = 'a+b') AND x + 1 > 2")
    }

    func testAPasswordNeverShowsInALocation() {
        XCTAssertEqual(DatabaseLocation("postgres://app:s3cret@db.internal:5432/connections").description,
                       "postgres://app:***@db.internal:5432/connections")
        XCTAssertEqual(DatabaseLocation("postgresql://app@/connections?host=/run/pg&password=s3cret").description,
                       "postgresql://app@/connections?host=/run/pg&password=***")
        XCTAssertEqual(DatabaseLocation("var/connections.sqlite"), .sqlite(path: "var/connections.sqlite"))
        // libpq quotes a malformed URI in its message: the password is taken out of that too.
        XCTAssertEqual(DatabaseLocation.redacting(#"invalid percent-encoded token: "s3cr%zzet""#, passwordOf: "postgresql://app:s3cr%zzet@h/db"),
                       #"invalid percent-encoded token: "***""#)
        XCTAssertEqual(DatabaseLocation.redacting("bad p@ss and p%40ss", passwordOf: "postgresql://h/db?password=p%40ss"), "bad *** and ***")
        XCTAssertTrue(DatabaseLocation("POSTGRESQL://x/y").isPostgres)
    }

    func testPostgreSQLsStatesMeanWhatSQLitesCodesMean() {
        XCTAssertTrue(StorageError(postgresState: "23505", message: "", sql: nil).isUniqueViolation)
        XCTAssertTrue(StorageError(postgresState: "23514", message: "", sql: nil).isConstraintViolation)
        XCTAssertTrue(StorageError(postgresState: "55P03", message: "", sql: nil).isBusy, "lock_timeout")
        XCTAssertTrue(StorageError(postgresState: "40P01", message: "", sql: nil).isBusy, "deadlock")
        XCTAssertTrue(StorageError(postgresState: "57014", message: "", sql: nil).isTimeout, "statement_timeout")
        XCTAssertTrue(StorageError(postgresState: "53100", message: "", sql: nil).isUnavailable, "disk full")
        XCTAssertTrue(StorageError(postgresState: "25006", message: "", sql: nil).isUnavailable, "a read-only standby")
        XCTAssertTrue(StorageError(postgresState: "08006", message: "", sql: nil).isUnreachable)
        XCTAssertTrue(StorageError(postgresState: "57P01", message: "", sql: nil).isUnreachable, "admin shutdown")
        XCTAssertTrue(StorageError(postgresState: "22021", message: "", sql: nil).isUnstorableText, "a NUL")
        XCTAssertFalse(StorageError(postgresState: "42601", message: "", sql: nil).isBusy)
    }

    /// `connections copy` moves every table SQLite has (the FTS5 index is rebuilt, not copied).
    func testTheCopyOrderHoldsEveryTable() throws {
        let database = try Database(path: ":memory:")
        try Migrator().migrate(database)
        let tables = try database.query("""
            SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'connections_search%'
            """) { $0.text(0) }
        XCTAssertEqual(Set(tables), Set(PostgresSchema.tablesInCopyOrder))
    }

    func testPostgreSQLsMigrationsEndWhereSQLitesDo() {
        XCTAssertEqual(PostgresSchema.migrations.last?.version, Schema.migrations.count)
        XCTAssertEqual(Set(PostgresSchema.tablesInCopyOrder).count, PostgresSchema.tablesInCopyOrder.count)
    }
}
