import Domain
import Foundation
import Storage
import TestSupport
import XCTest

final class AccessTests: XCTestCase {
    func testRolesFollowTheProductsTable() {
        XCTAssertTrue(Permission.allCases.allSatisfy(Role.admin.allows))
        XCTAssertEqual(Permission.allCases.filter(Role.connectionsOfficer.allows), [.viewConnections, .export, .inviteDrivers, .decideMemberships, .shareViews])
        XCTAssertEqual(Permission.allCases.filter(Role.viewer.allows), [.viewConnections, .export])
    }

    func testOtherOrganizationsAreNotFoundAndMissingRightsForbidden() {
        let access = Access(userID: 1, email: "a@b.test", name: "A", roles: [10: .viewer, 20: .admin])
        XCTAssertNoThrow(try access.require(.viewConnections, in: 10))
        XCTAssertThrowsError(try access.require(.manageUsers, in: 10)) { XCTAssertEqual($0 as? UserError, .forbidden("Your role in this organization (Viewer) does not allow this.")) }
        XCTAssertThrowsError(try access.require(.viewConnections, in: 30)) { guard case .notFound = $0 as? UserError else { return XCTFail() } }
        XCTAssertEqual(access.organizations(allowing: .manageUsers), [20])
        XCTAssertEqual(access.organizationIDs, [10, 20])
    }

    func testPasswordsAreSaltedYescryptHashes() {
        let first = Passwords.hash("correct horse battery")
        let second = Passwords.hash("correct horse battery")
        XCTAssertTrue(first.hasPrefix("$y$"), first)
        XCTAssertNotEqual(first, second)
        XCTAssertTrue(Passwords.verify("correct horse battery", against: first))
        XCTAssertFalse(Passwords.verify("correct horse battery!", against: first))
        XCTAssertFalse(Passwords.verify("anything", against: "not a hash"))
    }

    func testSessionsAndTheLastAdmin() throws {
        let location = try TestDatabases.empty(in: FileManager.default.temporaryDirectory)
        defer { TestDatabases.drop(location) }
        let database = try Database(location: location)
        try database.run("INSERT INTO organizations (id, name, name_for_drivers, created_at) VALUES (1, 'Acme', 'Acme', 'x')")
        let accounts = Accounts(database: database)
        let admin = try accounts.createUser(email: "Boss@Acme.test", name: "Boss", password: "long enough password")
        try accounts.setRole(userID: admin, organizationID: 1, role: .admin)
        XCTAssertThrowsError(try accounts.createUser(email: "boss@acme.test", name: "Again", password: "long enough password"))
        XCTAssertThrowsError(try accounts.createUser(email: "no-at-sign", name: "X", password: "long enough password"))
        let session = try accounts.signIn(email: "BOSS@acme.test", password: "long enough password", address: "1.2.3.4")
        XCTAssertEqual(try accounts.session(token: session.token)?.access.roles, [1: .admin])
        XCTAssertNil(try accounts.session(token: session.token + "x"))
        XCTAssertThrowsError(try accounts.removeRole(userID: admin, organizationID: 1))
        XCTAssertThrowsError(try accounts.changeRole(userID: admin, organizationID: 1, to: .viewer))
        try accounts.signOut(session)
        XCTAssertNil(try accounts.session(token: session.token))
        XCTAssertThrowsError(try accounts.signIn(email: "boss@acme.test", password: "wrong password", address: "1.2.3.4")) {
            XCTAssertEqual($0 as? UserError, .unauthorized("The email or password is not right."))
        }
    }
}
