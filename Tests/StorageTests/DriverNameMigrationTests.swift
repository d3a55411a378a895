import Storage
import XCTest

/// Migration 6: each membership keeps the name typed with its request, taken from the driver for
/// rows that existed before; no row may be without one.
final class DriverNameMigrationTests: XCTestCase {
    func testExistingRequestsKeepTheirDriversNameAndNewOnesMustHaveOne() throws {
        let database = try Database(path: ":memory:")
        let before = Migrator(migrations: Array(Schema.migrations.prefix(5)))
        try before.migrate(database)
        try database.execute("""
            INSERT INTO organizations (id, name, name_for_drivers, created_at) VALUES (1, 'Acme', 'Acme', 'x');
            INSERT INTO connections (id, org_id, name, status, connection_type, approval_type, visibility, search_code, invite_token, created_at, updated_at)
            VALUES (1, 1, 'Staff', 'Enabled', 'Standard', 'Manually approve', 'Private', 'ABCDEFGH', 'invite-token-aaaaaaaaaaaa', 'x', 'x');
            INSERT INTO drivers (id, name, email, created_at) VALUES (1, 'First Name', 'd@x.test', 'x');
            INSERT INTO memberships (connection_id, driver_id, state, status_token, requested_at) VALUES (1, 1, 'Pending', 'status-token-aaaaaaaaaaaaa', 'x');
            """)
        XCTAssertEqual(try Migrator(migrations: Array(Schema.migrations.prefix(6))).migrate(database), [6])
        XCTAssertEqual(try database.query("SELECT driver_name FROM memberships") { $0.text(0) }, ["First Name"])

        func rejected(_ sql: SQLFragment) {
            XCTAssertThrowsError(try database.run(sql)) { error in
                XCTAssertTrue((error as? StorageError)?.isConstraintViolation == true, "\(error)")
            }
        }
        try database.run("INSERT INTO connections (id, org_id, name, status, connection_type, approval_type, visibility, search_code, invite_token, created_at, updated_at) VALUES (2, 1, 'Guests', 'Enabled', 'Standard', 'Manually approve', 'Private', 'ABCDEFGJ', 'invite-token-bbbbbbbbbbbb', 'x', 'x')")
        // A process of the previous release, during a rolling restart, writes no name: the driver's first one fills in.
        try database.run("INSERT INTO memberships (connection_id, driver_id, state, status_token, requested_at) VALUES (2, 1, 'Pending', 'status-token-cccccccccccccc', 'x')")
        XCTAssertEqual(try database.scalar("SELECT driver_name FROM memberships WHERE status_token = 'status-token-cccccccccccccc'"), .text("First Name"))
        try database.run("DELETE FROM memberships WHERE status_token = 'status-token-cccccccccccccc'")
        rejected("INSERT INTO memberships (connection_id, driver_id, driver_name, state, status_token, requested_at) VALUES (2, 1, '   ', 'Pending', 'status-token-bbbbbbbbbbbbb', 'x')")
        rejected("UPDATE memberships SET driver_name = NULL")
        try database.run("INSERT INTO memberships (connection_id, driver_id, driver_name, state, status_token, requested_at) VALUES (2, 1, 'Other Name', 'Pending', 'status-token-bbbbbbbbbbbbb', 'x')")
        XCTAssertEqual(try database.query("SELECT driver_name FROM memberships ORDER BY connection_id") { $0.text(0) }, ["First Name", "Other Name"])
        XCTAssertEqual(try database.query("SELECT name FROM drivers") { $0.text(0) }, ["First Name"])
    }
}
