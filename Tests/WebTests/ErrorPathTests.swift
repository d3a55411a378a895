import Domain
import FastCGI
import Foundation
import Storage
import TestSupport
import XCTest
@testable import Web

/// What a user sees when the database is busy, full or read-only, when two saves race, and when
/// bookkeeping writes fail: each a clear answer, never the generic 500 page, and nothing typed lost.
final class ErrorPathTests: XCTestCase {
    /// A join form of an enabled connection without questions, filled in.
    func joinForm(_ client: TestClient) throws -> (target: String, form: [(String, String)]) {
        let token = try client.otherConnection().query("""
            SELECT invite_token FROM connections WHERE status = 'Enabled' AND questions_list = '' ORDER BY id LIMIT 1
            """) { $0.text(0) }[0]
        XCTAssertEqual(client.get("/join/\(token)").status, 200)
        let csrf = try XCTUnwrap(client.cookies[DriverPages.formToken.cookie])
        return ("/join/\(token)", [("csrf", csrf), ("name", "Ada Busy"), ("email", "ada.busy@example.test"), ("terms", "yes")])
    }

    func testALockedDatabaseAnswers503WithRetryAfterAndTheFormAsTyped() throws {
        let client = try TestClient(busyTimeoutMilliseconds: 100)
        let join = try joinForm(client)
        let outside = try client.otherConnection()
        try outside.holdWriteLock()
        let refused = client.request("POST", join.target, form: join.form)
        XCTAssertEqual(refused.status, 503)
        XCTAssertEqual(client.header(refused, "Retry-After"), String(ErrorPresentation.busyRetrySeconds))
        let page = client.text(refused)
        XCTAssertTrue(page.contains("busy"), page)
        XCTAssertTrue(page.contains("value=\"Ada Busy\"") && page.contains("value=\"ada.busy@example.test\""), "the form keeps what was typed")
        XCTAssertFalse(page.contains("Something went wrong"))

        // Reads keep working meanwhile, signed in too, even when the session's last-seen time is due a refresh.
        try outside.execute("ROLLBACK")
        try client.signIn(DemoData.adminEmail)
        let session = try XCTUnwrap(client.cookies[SessionCookie.name])
        try outside.run("UPDATE sessions SET last_seen_at = \(p: 2) WHERE token_hash = sha256_hex(\(p: 1))", [.text(session), .text(DateText.store(Date().addingTimeInterval(-600)))])
        try outside.holdWriteLock()
        let started = Date()
        XCTAssertEqual(client.get("/connections").status, 200)
        XCTAssertEqual(client.get("/requests").status, 200)
        XCTAssertLessThan(Date().timeIntervalSince(started), 2, "a read does not wait for the lock")
        try outside.execute("ROLLBACK")

        // Once the lock is gone the form shown again goes through (it carries a fresh form token).
        let again = try XCTUnwrap(client.cookies[DriverPages.formToken.cookie])
        let accepted = client.request("POST", join.target, form: join.form.map { $0.0 == "csrf" ? ("csrf", again) : $0 })
        XCTAssertEqual(accepted.status, 303)
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM drivers WHERE email = 'ada.busy@example.test'"), 1)
    }

    /// SQLite's file that cannot grow; PostgreSQL's full disk (53100) maps to the same answer (testStorageFailuresAreMappedByResultCode).
    func testAFullDatabaseAnswers503AndKeepsTheConnectionForm() throws {
        let client = try TestClient(sqlite: true)
        try client.signIn(DemoData.adminEmail)
        let org = try client.scalar("SELECT min(id) FROM organizations")
        let before = try client.scalar("SELECT count(*) FROM connections")
        // The handler's own connection may not grow the file: a write that needs a page fails with SQLITE_FULL.
        let pages = try client.handler.database.scalarInt("PRAGMA page_count")
        try client.handler.database.execute("PRAGMA max_page_count = \(pages)")
        let form: [(String, String)] = [("org", "\(org)"), ("name_for_drivers", "Full Disk Inc"), ("name", "Full disk connection"),
                                        ("type", "Standard"), ("status", "Enabled"), ("visibility", "Private"),
                                        ("approval", "Manually approve"), ("benefit", "Free charging"),
                                        ("question", String(repeating: "Which badge do you wear? ", count: 4))]
        var refused = try client.post("/connections/new", form)
        for _ in 0..<20 where refused.status == 303 {
            // The first saves may still fit in free pages; keep saving until the file must grow.
            refused = try client.post("/connections/new", form.map { $0.0 == "name" ? ($0.0, "Full disk \(UUID().uuidString.prefix(8))") : $0 })
        }
        XCTAssertEqual(refused.status, 503)
        let page = client.text(refused)
        XCTAssertTrue(page.contains("cannot be written"), page)
        XCTAssertTrue(page.contains("value=\"Full Disk Inc\""), "values kept")
        XCTAssertNotNil(client.header(refused, "Retry-After"))
        try client.handler.database.execute("PRAGMA max_page_count = 1073741823")
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM connections WHERE name = 'Full disk connection'") <= 1, true)
        XCTAssertGreaterThanOrEqual(try client.scalar("SELECT count(*) FROM connections"), before)
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM connections c WHERE NOT EXISTS (SELECT 1 FROM connection_benefits b WHERE b.connection_id = c.id)"), 0,
                       "nothing half-written: every connection has its benefits")
    }

    func testAReadOnlyDatabaseAnswers503OnWritesAndServesReads() throws {
        let client = try TestClient()
        try client.signIn(DemoData.adminEmail)
        // PostgreSQL: as a standby in recovery answers writes (25006).
        try client.handler.database.execute(client.handler.database.dialect == .sqlite ? "PRAGMA query_only = ON"
                                            : "SET default_transaction_read_only = on")
        let x = try client.scalar("SELECT min(id) FROM connections")
        let refused = try client.post("/connections/\(x)/status", [("status", "Disabled")])
        XCTAssertEqual(refused.status, 503, client.text(refused))
        XCTAssertTrue(client.text(refused).contains("cannot be written"))
        XCTAssertEqual(client.get("/connections").status, 200)
    }

    func testTwoAdminsSavingOneNameAtTheSameMomentGetTheFieldMessage() throws {
        let client = try TestClient()
        try client.signIn(DemoData.adminEmail)
        let org = try client.scalar("SELECT min(id) FROM organizations")
        // Committed from another thread below; this test owns the connection until then.
        nonisolated(unsafe) let other = try client.otherConnection()
        // The other Admin's save holds the write lock with the same name, not yet committed: this save's
        // name check passes, then its transaction waits for the lock and meets the unique index.
        try other.holdWriteLock()
        try other.run("""
            INSERT INTO connections (org_id, name, status, connection_type, approval_type, visibility, search_code, invite_token, created_at, updated_at)
            VALUES (\(p: 1), 'Race Day', 'Enabled', 'Standard', 'Manually approve', 'Private', 'RACEDAY2', 'race-day-token-aaaaaaaaaaaa', 'x', 'x')
            """, [.init(org)])
        let commit = Thread { Thread.sleep(forTimeInterval: 0.4); try? other.execute("COMMIT") }
        commit.start()
        let answer = try client.post("/connections/new", [
            ("org", "\(org)"), ("name_for_drivers", "Racing Org"), ("name", "Race Day"), ("type", "Standard"), ("status", "Enabled"),
            ("visibility", "Private"), ("approval", "Manually approve"), ("benefit", "Free charging"), ("question", "Team name"),
        ])
        XCTAssertEqual(answer.status, 400)
        let page = client.text(answer)
        XCTAssertTrue(page.contains("already has a connection named “Race Day”"), page)
        XCTAssertTrue(page.contains("value=\"Racing Org\"") && page.contains("value=\"Team name\""), "values kept")
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM connections WHERE name = 'Race Day'"), 1)
        XCTAssertNotEqual(try client.scalar("SELECT count(*) FROM organizations WHERE name_for_drivers = 'Racing Org'"), 1,
                          "the loser's transaction rolled back whole")
    }

    func testAnExportIsDeliveredWhenItsAuditEntryCannotBeWritten() throws {
        let client = try TestClient()
        try client.signIn(DemoData.adminEmail)
        switch client.handler.database.dialect {
        case .sqlite:
            try client.handler.database.execute("""
                CREATE TEMP TRIGGER audit_down BEFORE INSERT ON audit_log WHEN NEW.action = 'Exported connections'
                BEGIN SELECT RAISE(FAIL, 'audit log unavailable'); END
                """)
        case .postgres:
            try client.handler.database.execute("""
                CREATE FUNCTION audit_down() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit log unavailable'; END $$;
                CREATE TRIGGER audit_down BEFORE INSERT ON audit_log FOR EACH ROW WHEN (NEW.action = 'Exported connections') EXECUTE FUNCTION audit_down()
                """)
        }
        for format in ["csv", "xlsx"] {
            let response = try client.post("/connections/export", [("format", format), ("scope", "all"), ("state", "")])
            XCTAssertEqual(response.status, 200, format)
            let body = client.bytes(response)
            XCTAssertGreaterThan(body.count, 1000, format)
            XCTAssertFalse(String(decoding: body, as: UTF8.self).contains("EXPORT INCOMPLETE"), format)
        }
    }

    func testStorageFailuresAreMappedByResultCode() {
        let request = Request(method: "POST", path: "/x")
        let cases: [(Int32, Int)] = [(5, 503), (5 | (2 << 8), 503), (6, 503), (13, 503), (8, 503), (10 | (3 << 8), 503), (19, 500), (1, 500)]
        for (code, status) in cases {
            XCTAssertEqual(ErrorPresentation(StorageError(code: code, message: "same text", sql: nil), request: request).status, status, "code \(code)")
        }
        XCTAssertEqual(ErrorPresentation(StorageError(code: 5, message: "", sql: nil), request: request).headers.first?.0, "Retry-After")
        XCTAssertEqual(ErrorPresentation(TransportRefusal.bodyTooLarge(limit: 65536), request: request).message,
                       "The request is too large: at most 64 KiB is accepted.")
        XCTAssertTrue(StorageError(code: 2067, message: "", sql: nil).isUniqueViolation)
        XCTAssertFalse(StorageError(code: 275, message: "", sql: nil).isUniqueViolation)
    }
}
