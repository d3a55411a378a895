@testable import Storage
import Foundation
import TestSupport
import XCTest

final class StatementCacheTests: XCTestCase {
    func testTheCacheKeepsAtMostItsCapacityAndTheHotStatements() throws {
        let database = try Database(path: ":memory:")
        try database.execute("CREATE TABLE t (a INTEGER)")
        let hot = "SELECT count(*) FROM t"
        let hotSQL = SQLFragment(raw: hot)
        for index in 0..<(Database.statementCacheCapacity * 20) {
            // A distinct text each time, as every new filter combination makes.
            _ = try database.scalarInt("SELECT \(raw: String(index)) FROM t WHERE a > \(p: 1)", [.init(index)])
            _ = try database.scalarInt(hotSQL)
            XCTAssertLessThanOrEqual(database.cachedStatementCount, Database.statementCacheCapacity)
        }
        let hotStatement = try database.cached(hot, resendable: true)
        _ = try database.scalarInt("SELECT 'one more' FROM t")
        XCTAssertTrue(try database.cached(hot, resendable: true) === hotStatement, "the most used statement stays prepared")
    }

    func testAStatementInUseSurvivesItsEviction() throws {
        let database = try Database(path: ":memory:")
        try database.execute("CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1), (2), (3)")
        // Each row's work prepares enough new statements to evict the one being stepped.
        let sums = try database.query("SELECT a FROM t ORDER BY a") { row -> Int in
            for index in 0...Database.statementCacheCapacity { _ = try database.scalarInt("SELECT \(raw: String(index)) + \(p: 1)", [.init(row.int(0))]) }
            return row.int(0)
        }
        XCTAssertEqual(sums, [1, 2, 3])
    }

    /// PostgreSQL: the statements a connection keeps are prepared on the server, no more of them than
    /// the cache holds; a parameter bound as NULL, then as a value, reads the same as when parsed anew.
    func testPostgresPreparesWhatTheCacheKeepsAndNoMore() throws {
        guard TestDatabases.isPostgres else { throw XCTSkip("PostgreSQL only: CONNECTIONS_TEST_POSTGRES") }
        let folder = FileManager.default.temporaryDirectory
        let location = try TestDatabases.empty(in: folder)
        defer { TestDatabases.drop(location) }
        let database = try Database(location: location)
        let prepared: SQLFragment = "SELECT count(*) FROM pg_prepared_statements"
        for index in 0..<(Database.statementCacheCapacity * 3) {
            XCTAssertEqual(try database.scalarInt("SELECT \(raw: String(index)) + \(p: 1)", [.init(1)]), index + 1)
        }
        XCTAssertLessThanOrEqual(try database.scalarInt(prepared), Database.statementCacheCapacity + 1, "the ones let go are freed")
        let nullable: SQLFragment = "SELECT coalesce(\(p: 1), 'none') || ''"
        XCTAssertEqual(try database.scalar(nullable, [.null]), .text("none"))
        XCTAssertEqual(try database.scalar(nullable, [.text("seven")]), .text("seven"))
        XCTAssertEqual(try database.scalar(nullable, [.null]), .text("none"))
    }
}
