import Domain
import FastCGI
import Foundation
@testable import Storage
import TestSupport
import XCTest
@testable import Web

/// What only PostgreSQL has: a server that drops connections, a statement timeout, several hosts
/// on one database. scripts/test runs these in its PostgreSQL pass (`swift test --skip
/// PostgresTests` in the SQLite pass); without a server they fail, they do not skip.
final class PostgresTests: XCTestCase {
    override func setUpWithError() throws {
        guard TestDatabases.isPostgres else {
            throw XCTestError(.failureWhileWaiting, userInfo: [NSLocalizedDescriptionKey: "CONNECTIONS_TEST_POSTGRES is not set: run through scripts/test"])
        }
    }

    /// The server ends the worker's connection (a restart, a failover): the next request reads on a
    /// new one, without an error page.
    func testAWorkerWhoseConnectionWasDroppedServesTheNextRequest() throws {
        let client = try TestClient()
        try client.signIn(DemoData.adminEmail)
        XCTAssertEqual(client.get("/connections").status, 200)
        let other = try client.otherConnection()
        let ended = try other.scalarInt("""
            SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                                  WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = 'connections') AS ended
            """)
        XCTAssertGreaterThanOrEqual(ended, 1)
        Thread.sleep(forTimeInterval: 0.2)
        let page = client.get("/connections")
        XCTAssertEqual(page.status, 200, client.text(page))
        XCTAssertEqual(client.get("/connections?f=name&op=contains&v=park").status, 200)
    }

    /// A statement says itself whether it may be sent again on a new connection: a read does
    /// (whatever its first word: this one starts with WITH), a write never does (it may have been done).
    func testAReadIsSentAgainAfterALostConnectionAndAWriteIsNot() throws {
        let client = try TestClient()
        let database = try client.otherConnection()
        let other = try client.otherConnection()
        func endConnection() throws {
            let pid = try database.scalarInt("SELECT pg_backend_pid()")
            XCTAssertEqual(try other.scalarInt("SELECT count(*) FROM (SELECT pg_terminate_backend(CAST(\(p: 1) AS integer))) AS ended", [.init(pid)]), 1)
            Thread.sleep(forTimeInterval: 0.2)
        }
        try endConnection()
        XCTAssertEqual(try database.query("WITH one AS (SELECT 1 AS n) SELECT n FROM one") { $0.int(0) }, [1])
        try endConnection()
        XCTAssertThrowsError(try database.change("UPDATE organizations SET name = name WHERE id = \(p: 1) RETURNING id", [-1]) { $0.int(0) }) {
            XCTAssertTrue(($0 as? StorageError)?.isUnreachable == true, "\($0)")
        }
    }

    /// A write through one host is in every host's next answer: what a process remembers (counts,
    /// sessions) is checked against PostgreSQL's snapshot, which any commit anywhere changes.
    func testAWriteElsewhereIsSeenAtOnceDespiteWhatThisProcessRemembers() throws {
        let client = try TestClient()
        try client.signIn(DemoData.adminEmail)
        let before = client.text(client.get("/connections"))
        let total = try client.scalar("SELECT count(*) FROM connections")
        XCTAssertTrue(before.contains(Format.integer(total)), "the page shows the total")
        let org = try client.scalar("SELECT min(id) FROM organizations")
        try client.otherConnection().run("""
            INSERT INTO connections (org_id, name, status, connection_type, approval_type, visibility, search_code, invite_token, created_at, updated_at)
            VALUES (\(p: 1), 'Written elsewhere', 'Enabled', 'Standard', 'Manually approve', 'Private', 'EXSEWHR2', 'written-elsewhere-token-aaaa', 'x', 'x')
            """, [.init(org)])
        let after = client.text(client.get("/connections"))
        XCTAssertTrue(after.contains(Format.integer(total + 1)), "the remembered count was dropped")
        // Signed out elsewhere: this process's remembered session goes at once.
        try client.otherConnection().run("DELETE FROM sessions")
        XCTAssertEqual(client.get("/connections").status, 303, "back to sign-in")
    }

    /// A runaway page query is cancelled at the statement timeout with a 503, and the worker serves
    /// the next request; a whole-table read (an export) has no timeout.
    func testAStatementPastItsTimeIsA503AndExportsHaveNoLimit() throws {
        let client = try TestClient { $0.statementTimeoutMilliseconds = 200 }
        let database = client.handler.database
        XCTAssertThrowsError(try database.scalar("SELECT pg_sleep(1)")) { error in
            XCTAssertTrue((error as? StorageError)?.isTimeout ?? false, "\(error)")
        }
        let presented = ErrorPresentation(StorageError(postgresState: "57014", message: "canceling statement due to statement timeout", sql: nil),
                                          request: Request(method: "GET", path: "/connections", queryString: "", headers: [:], body: [], remoteAddress: "127.0.0.1"))
        XCTAssertEqual(presented.status, 503)
        let stream = try database.prepare("SELECT pg_sleep(0.4), 1")
        XCTAssertTrue(try stream.step())
        XCTAssertFalse(try stream.step())
        try client.signIn(DemoData.adminEmail)
        XCTAssertEqual(client.get("/connections").status, 200)
    }

    /// Text PostgreSQL cannot hold (a NUL) is the sender's mistake, never a 500.
    func testANulInTextIsABadRequest() throws {
        let client = try TestClient()
        XCTAssertThrowsError(try client.handler.database.scalar("SELECT count(*) FROM users WHERE email = \(p: 1)", [.text("a\u{0}b@x.test")])) { error in
            XCTAssertTrue((error as? StorageError)?.isUnstorableText ?? false, "\(error)")
        }
        let response = client.get("/find?code=AB\u{0}CDEF")
        XCTAssertNotEqual(response.status, 500)
    }

    /// One writer at a time, as on SQLite: a second writer waits for the first's lock, then meets its work.
    func testWritersTakeTurnsLikeOnSQLite() throws {
        let client = try TestClient(busyTimeoutMilliseconds: 200)
        try client.signIn(DemoData.adminEmail)
        let holder = try client.otherConnection()
        try holder.holdWriteLock()
        let x = try client.scalar("SELECT min(id) FROM connections")
        let refused = try client.post("/connections/\(x)/status", [("status", "Disabled")])
        XCTAssertEqual(refused.status, 503)
        XCTAssertNotNil(client.header(refused, "Retry-After"))
        try holder.execute("ROLLBACK")
        XCTAssertEqual(try client.post("/connections/\(x)/status", [("status", "Disabled")]).status, 303)
    }
}

extension PostgresTests {
    /// PostgreSQL's fold() is the app's TextFolding.fold, character for character: filters and the
    /// trigram indexes agree with the values the app folds.
    func testFoldingIsTheAppsOwn() throws {
        let client = try TestClient()
        let database = client.handler.database
        for text in ["ÉCOLE Supérieure", "ΣΤΑΘΜΟΣ Αθήνα", "ὈΔΥΣΣΕΎΣ", "İstanbul", "Straße ẞ", "ÅRHUS ØST", "ǅemal", "Ǆ", "ﬃ", "K Å Ω", "plain ascii"] {
            XCTAssertEqual(try database.scalar("SELECT fold(\(p: 1))", [.text(text)]), .text(TextFolding.fold(text)), text)
        }
    }
}
