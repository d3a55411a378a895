import Foundation
import Storage
import TestSupport
import XCTest
@testable import Domain

/// Migration 10 (secrets stored as hashes): sessions end; links already emailed (a request's
/// status, an address's confirmation, a digest's unsubscribe) keep working, though only their
/// hashes remain; a sent email's stored text keeps no link.
final class SecretsMigrationTests: XCTestCase {
    var location = DatabaseLocation.sqlite(path: "")

    override func setUpWithError() throws {
        location = try TestDatabases.empty(in: FileManager.default.temporaryDirectory, atVersion: 9)
    }

    override func tearDown() {
        TestDatabases.drop(location)
        if case .sqlite(let path) = location { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
    }

    func testLinksAlreadySentKeepWorkingAndNoSecretIsLeftAsItWas() throws {
        let database = try Database(location: location)
        let session = String(repeating: "s", count: 43), status = String(repeating: "t", count: 43)
        let confirmation = String(repeating: "c", count: 43), unsubscribe = String(repeating: "u", count: 43)
        try database.run("INSERT INTO organizations (id, name, name_for_drivers, created_at) VALUES (1, 'Acme', 'Acme Drivers', 'x')")
        try database.run("""
            INSERT INTO connections (id, org_id, name, status, connection_type, approval_type, visibility, search_code, invite_token, created_at, updated_at)
            VALUES (1, 1, 'Staff', 'Enabled', 'Standard', 'Manually approve', 'Private', 'ABCDEFGH', 'invite-token-aaaaaaaaaaaa', 'x', 'x')
            """)
        try database.run("INSERT INTO drivers (id, name, email, created_at) VALUES (1, 'Dana', 'dana@x.test', 'x')")
        try database.run("""
            INSERT INTO memberships (id, connection_id, driver_id, driver_name, state, status_token, requested_at)
            VALUES (1, 1, 1, 'Dana', 'Pending', \(p: 1), 'x')
            """, [.text(status)])
        try database.run("INSERT INTO users (id, email, name, password_hash, created_at) VALUES (1, 'host@x.test', 'Host', 'x', 'x')")
        try database.run("INSERT INTO sessions (token, user_id, csrf_token, created_at, last_seen_at) VALUES (\(p: 1), 1, 'csrf-token-aaaaaaaaaaaa', \(p: 2), \(p: 2))",
                         [.text(session), .text(DateText.now())])
        try database.run("INSERT INTO email_confirmations (token, membership_id, expires_at) VALUES (\(p: 1), 1, '2999-01-01T00:00:00Z')", [.text(confirmation)])
        try database.run("INSERT INTO digest_settings (user_id, unsubscribe_token) VALUES (1, \(p: 1))", [.text(unsubscribe)])
        let payload = #"{"confirmToken":"\#(confirmation)","driver":"Dana","statusToken":"\#(status)"}"#
        for (key, state) in [("a", "sent"), ("b", "queued")] {
            try database.run("""
                INSERT INTO outbox (kind, org_id, membership_id, recipient, payload, message_key, state, due_at, created_at)
                VALUES ('email confirmation', 1, 1, 'dana@x.test', \(p: 1), \(p: 2), \(p: 3), 'x', 'x')
                """, [.text(payload), .text(String(repeating: key, count: 43)), .text(state)])
        }

        XCTAssertEqual(try Migrator().migrate(database).prefix(2), [10, 11])

        XCTAssertNil(try Accounts(database: database).session(token: session), "sessions end with the migration")
        XCTAssertEqual(try JoinRequests(database: database).status(token: status)?.driverName, "Dana")
        XCTAssertEqual(try EmailConfirmations(database: database).link(token: confirmation).email, "dana@x.test")
        XCTAssertEqual(try HostDigests(database: database).user(unsubscribeToken: unsubscribe)?.email, "host@x.test")
        let stored = try StoredValues.text(of: database, except: ["outbox"])
        for secret in [session, status, confirmation, unsubscribe] {
            XCTAssertFalse(stored.contains(secret), "\(secret.prefix(1)): only its hash is stored")
        }
        XCTAssertTrue(stored.contains(Secret.hash(status)) && stored.contains(Secret.hash(confirmation)) && stored.contains(Secret.hash(unsubscribe)))
        let payloads = try database.query("SELECT state, payload FROM outbox ORDER BY id") { "\($0.text(0)) \($0.text(1))" }
        XCTAssertEqual(payloads[0], #"sent {"driver":"Dana"}"#.replacingOccurrences(of: ":", with: database.dialect == .postgres ? ": " : ":"),
                       "a sent email keeps no link")
        XCTAssertTrue(payloads[1].contains(status) && payloads[1].contains(confirmation), "an email still to send keeps its links")
    }
}
