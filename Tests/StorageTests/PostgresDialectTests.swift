import Foundation
@testable import Storage
import XCTest

/// The app's SQL as each database reads it (`SQLDialect`), and PostgreSQL's connection support.
final class PostgresDialectTests: XCTestCase {
    func render(_ fragment: SQLFragment, _ parameters: [SQLValue] = []) -> (sqlite: String, postgres: String, values: [SQLValue]) {
        let sqlite = fragment.rendered(for: .sqlite, parameters: parameters)
        let postgres = fragment.rendered(for: .postgres, parameters: parameters)
        XCTAssertEqual(sqlite.parameters, postgres.parameters, "both bind the same values")
        return (sqlite.sql, postgres.sql, sqlite.parameters)
    }

    func testParametersComeFirstThenTheFragmentsOwnValues() {
        let condition: SQLFragment = "b = \(bind: "x") AND c IN \(SQLFragment.list([1, 2]))"
        let rendered = render("SELECT a FROM t WHERE a = \(p: 2) AND \(condition) AND d = \(p: 1)", ["one", "two"])
        XCTAssertEqual(rendered.sqlite, "SELECT a FROM t WHERE a = ?2 AND b = ?3 AND c IN (?4, ?5) AND d = ?1")
        XCTAssertEqual(rendered.postgres, "SELECT a FROM t WHERE a = $2 AND b = $3 AND c IN ($4, $5) AND d = $1")
        XCTAssertEqual(rendered.values, ["one", "two", "x", 1, 2])
        XCTAssertEqual(render(.joined(["a = \(bind: 1)", "b = \(bind: 2)"], separator: " OR ")).postgres, "(a = $1) OR (b = $2)")
        XCTAssertEqual(render("x = '?' AND y = \(bind: 1)").postgres, "x = '?' AND y = $1", "text is never read for placeholders")
    }

    func testCaselessIsNocaseOnSQLiteAndLowerUnderCOnPostgreSQL() {
        let rendered = render("WHERE \(caseless: "email") = \(caseless: 1) ORDER BY \(caseless: "c.name"), \(caseless: "\(bind: "b")")", ["a"])
        XCTAssertEqual(rendered.sqlite, "WHERE email COLLATE NOCASE = ?1 COLLATE NOCASE ORDER BY c.name COLLATE NOCASE, ?2 COLLATE NOCASE")
        XCTAssertEqual(rendered.postgres, "WHERE lower(email) = lower($1 COLLATE \"C\") ORDER BY lower(c.name), lower($2 COLLATE \"C\")")
    }

    func testEachSpellingThatDiffers() {
        let nullSafe = render("id \(.isDistinctFrom) \(p: 3) AND x \(.isNotDistinctFrom) \(p: 1)")
        XCTAssertEqual(nullSafe.sqlite, "id IS NOT ?3 AND x IS ?1")
        XCTAssertEqual(nullSafe.postgres, "id IS DISTINCT FROM $3 AND x IS NOT DISTINCT FROM $1")
        let ids = render("c.id IN (\(ids: 1)) OR c.org_id IN (\(ids: [4, 5]))", [.idList([1, 2])])
        XCTAssertEqual(ids.sqlite, "c.id IN (SELECT value FROM json_each(?1)) OR c.org_id IN (SELECT value FROM json_each(?2))")
        XCTAssertEqual(ids.postgres, "c.id IN (SELECT CAST(value AS bigint) FROM json_array_elements_text(CAST($1 AS json)))"
                       + " OR c.org_id IN (SELECT CAST(value AS bigint) FROM json_array_elements_text(CAST($2 AS json)))")
        XCTAssertEqual(ids.values, ["[1,2]", "[4,5]"])
        let position = render("\(.position(of: "\(bind: "a")", in: "fold(x)")) > 0 AND \(.position(of: "\(bind: "1")", in: "c.id", number: true)) = 1")
        XCTAssertEqual(position.sqlite, "instr(fold(x), ?1) > 0 AND instr(c.id, ?2) = 1")
        XCTAssertEqual(position.postgres, "strpos(fold(x), $1) > 0 AND strpos(CAST(c.id AS text), $2) = 1")
        let suffix = render(.endsWith("fold(x)", "\(bind: "z")"))
        XCTAssertEqual(suffix.sqlite, "substr(fold(x), -length(?1)) = ?1")
        XCTAssertEqual(suffix.postgres, "right(fold(x), length($1)) = $1")
        XCTAssertEqual(suffix.values, ["z"], "a value used twice is bound once")
        let scalars = render("\(.greatest("0", "a - 1")), \(.least("\(p: 1)", "b")), \(.character(10)), \(.hex("value"))", [1])
        XCTAssertEqual(scalars.sqlite, "max(0, a - 1), min(?1, b), char(10), hex(value)")
        XCTAssertEqual(scalars.postgres, "greatest(0, a - 1), least($1, b), chr(10), upper(encode(value, 'hex'))")
    }

    /// SQLite's planner hint (a unary +) is the dialect's: PostgreSQL's planner has none to take.
    func testPlannerHintsAreSQLitesOnly() {
        let rendered = render("ORDER BY \(.withoutIndex("c.id")), \(.withoutIndex("\(caseless: "c.name")"))")
        XCTAssertEqual(rendered.sqlite, "ORDER BY +c.id, +c.name COLLATE NOCASE")
        XCTAssertEqual(rendered.postgres, "ORDER BY c.id, lower(c.name)")
    }

    /// A write that returns rows runs through `change`, never as a read that a lost connection
    /// would send again; SQLite says which statements only read.
    func testAWriteReturningRowsIsAChange() throws {
        let database = try Database(path: ":memory:")
        try database.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER); INSERT INTO t VALUES (1, 5)")
        XCTAssertEqual(try database.change("UPDATE t SET n = n + 1 WHERE id = \(p: 1) RETURNING n", [1]) { $0.int(0) }, [6])
        XCTAssertEqual(try database.query("SELECT n FROM t WHERE id = \(p: 1)", [1]) { $0.int(0) }, [6])
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

    /// `connections copy` moves every table SQLite has (the FTS5 indexes are rebuilt, not copied).
    func testTheCopyOrderHoldsEveryTable() throws {
        let database = try Database(path: ":memory:")
        try Migrator().migrate(database)
        let tables = try database.query("""
            SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
            """) { $0.text(0) }.filter { name in !SearchIndex.all.contains { name.hasPrefix($0.name) } }
        XCTAssertEqual(Set(tables), Set(PostgresSchema.tablesInCopyOrder))
    }

    func testPostgreSQLsMigrationsEndWhereSQLitesDo() {
        XCTAssertEqual(PostgresSchema.migrations.last?.version, Schema.migrations.count)
        XCTAssertEqual(Set(PostgresSchema.tablesInCopyOrder).count, PostgresSchema.tablesInCopyOrder.count)
    }

    /// A parameter written as SQLite spells it (`?1`) runs on SQLite and fails on PostgreSQL: every
    /// statement names its parameters as `\(p: N)`, in the sources and the tests alike (lines of SQL,
    /// outside comments).
    func testNoStatementSpellsAParameterAsSQLiteDoes() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized
        let pattern = try NSRegularExpression(pattern: #"[=(,] *\?[0-9]"#)
        var found: [String] = []
        for folder in ["Sources", "Tests"] {
            let files = try XCTUnwrap(FileManager.default.enumerator(at: root.appendingPathComponent(folder), includingPropertiesForKeys: nil))
                .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" && $0.lastPathComponent != "PostgresDialectTests.swift" }
            XCTAssertGreaterThan(files.count, 20, folder)
            for file in files {
                let text = try String(contentsOf: file, encoding: .utf8)
                for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
                where !line.trimmingCharacters(in: .whitespaces).hasPrefix("//") && line.range(of: #"\b(SELECT|INSERT|UPDATE|DELETE|WHERE|VALUES|SET)\b"#, options: .regularExpression) != nil
                    && pattern.firstMatch(in: String(line), range: NSRange(line.startIndex..., in: line)) != nil {
                    found.append("\(file.lastPathComponent):\(number + 1)")
                }
            }
        }
        XCTAssertEqual(found, [])
    }
}
