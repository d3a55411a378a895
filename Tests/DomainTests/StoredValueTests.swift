@testable import Domain
import Storage
import XCTest

/// A stored role, state or status the program does not know is an error naming the row, never
/// read as some default (a Viewer, a Pending request, a Disabled connection).
final class StoredValueTests: XCTestCase {
    var database: Database!

    override func setUpWithError() throws {
        database = try Database(path: ":memory:")
        try Migrator().migrate(database)
        try database.run("INSERT INTO organizations (id, name, name_for_drivers, created_at) VALUES (7, 'Acme', 'Acme', 'x')")
    }

    /// Writes what the schema's CHECK constraints refuse, as a corrupt file or a newer program would hold.
    func storeBypassingChecks(_ sql: SQLFragment, _ parameters: [SQLValue] = []) throws {
        try database.execute("PRAGMA ignore_check_constraints = ON")
        defer { try? database.execute("PRAGMA ignore_check_constraints = OFF") }
        try database.run(sql, parameters)
    }

    func assertNamesRow<T>(_ expression: @autoclosure () throws -> T, _ description: String, line: UInt = #line) {
        XCTAssertThrowsError(try expression(), line: line) { error in
            XCTAssertTrue(error is StoredValueError, "\(error)", line: line)
            XCTAssertEqual("\(error)", description, line: line)
        }
    }

    func testAnUnknownRoleFailsNamingItsRow() throws {
        let accounts = Accounts(database: database)
        let user = try accounts.createUser(email: "a@acme.test", name: "A", password: "long enough password")
        try storeBypassingChecks("INSERT INTO user_roles VALUES (\(p: 1), 7, 'Owner')", [.init(user)])
        let description = "corrupt stored value: user_roles row user_id \(user), org_id 7 has role 'Owner', which this program does not know"
        assertNamesRow(try accounts.access(userID: user), description)
        assertNamesRow(try accounts.role(userID: user, organizationID: 7), description)
        assertNamesRow(try accounts.members(of: 7), description)
    }

    func testAnUnknownStateOrStatusFailsNamingItsRow() throws {
        try storeBypassingChecks("""
            INSERT INTO connections (id, org_id, name, status, connection_type, approval_type, visibility, search_code, invite_token, created_at, updated_at)
            VALUES (3, 7, 'Staff', 'Paused', 'Standard', 'Manually approve', 'Private', 'ABCDEFGH', 'invite-token-aaaaaaaaaaaa', 'x', 'x')
            """)
        try database.run("INSERT INTO drivers (id, name, email, created_at) VALUES (1, 'D', 'd@x.test', 'x')")
        try storeBypassingChecks("""
            INSERT INTO memberships (id, connection_id, driver_id, driver_name, state, requested_at)
            VALUES (42, 3, 1, 'D', 'Maybe', 'x')
            """)
        try database.run("INSERT INTO status_links (token_hash, membership_id) VALUES (sha256_hex('status-token-aaaaaaaaaaaaa'), 42)")
        assertNamesRow(try JoinRequests(database: database).status(token: "status-token-aaaaaaaaaaaaa"),
                       "corrupt stored value: memberships row id 42 has state 'Maybe', which this program does not know")
        assertNamesRow(try ConnectionInvites(database: database).invite(connectionID: 3),
                       "corrupt stored value: connections row id 3 has status 'Paused', which this program does not know")
    }

    func testAnUnknownApprovalTypeOrVisibilityFailsNamingItsRow() throws {
        try storeBypassingChecks("""
            INSERT INTO connections (id, org_id, name, status, connection_type, approval_type, visibility, search_code, invite_token, created_at, updated_at)
            VALUES (5, 7, 'Fleet', 'Enabled', 'Standard', 'Approve on Tuesdays', 'Hidden', 'ABCDEFGJ', 'invite-token-bbbbbbbbbbbb', 'x', 'x')
            """)
        assertNamesRow(try JoinRequests(database: database).startingState(email: "d@x.test", connectionID: 5),
                       "corrupt stored value: connections row id 5 has approval_type 'Approve on Tuesdays', which this program does not know")
        assertNamesRow(try ConnectionInvites(database: database).invite(connectionID: 5),
                       "corrupt stored value: connections row id 5 has visibility 'Hidden', which this program does not know")
    }
}
