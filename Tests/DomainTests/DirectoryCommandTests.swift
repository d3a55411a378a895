import Foundation
import Storage
import TestSupport
import XCTest
@testable import Domain

/// The directory's commands on either database: a member of a mapped group is connected with the
/// approval's audit entry and event, by "directory"; leaving removes as `Decide` does; a refused
/// change writes nothing; another organization's group or user is missing. (CommandEventTests' database and helpers.)
extension CommandEventTests {
    func directoryUser(_ email: String, active: Bool = true) -> DirectoryUser {
        DirectoryUser(userName: email, externalID: nil, active: active, email: email, displayName: "Dee Rector", resource: .object([]))
    }

    func testAMappedGroupsMemberIsConnectedAndLeavingRemovesThem() throws {
        let connection = try createConnection("Fleet")
        let directory = Access.directory(of: organization)
        let member = try SaveDirectoryUser(organization: organization, id: nil, directoryUser("dee@fleet.example")).run(by: directory, in: database)
        var group = 0
        let joined = try written {
            // Named like the connection: mapped when it arrives.
            group = try SaveDirectoryGroup(organization: organization, id: nil, DirectoryGroup(displayName: "fleet", externalID: nil, memberIDs: [member]))
                .run(by: directory, in: database)
        }
        XCTAssertEqual(joined.audit, ["Approved driver"])
        XCTAssertEqual(joined.events.map(\.kind), [.requestApproved])
        XCTAssertEqual(try database.scalarInt("SELECT count(*) FROM memberships WHERE connection_id = \(p: 1) AND state = 'Connected'", [.init(connection)]), 1)
        XCTAssertEqual(try database.query("SELECT actor, user_id IS NULL FROM audit_log ORDER BY id DESC LIMIT 1") { "\($0.text(0)) \($0.int(1))" }, ["directory 1"])

        let left = try written {
            _ = try SaveDirectoryGroup(organization: organization, id: group, DirectoryGroup(displayName: "fleet", externalID: nil, memberIDs: []))
                .run(by: directory, in: database)
        }
        XCTAssertEqual(left.audit, ["Removed driver"])
        XCTAssertEqual(left.events.map(\.kind), [.driverRemoved])
        XCTAssertEqual(try database.scalarInt("SELECT count(*) FROM outbox WHERE kind = 'driver removed'"), 1)
    }

    func testRefusedChangesWriteNothingAndOtherOrganizationsAreMissing() throws {
        _ = try createConnection("Fleet")
        let directory = Access.directory(of: organization)
        try refused(UserError.self) {
            _ = try SaveDirectoryGroup(organization: organization, id: nil, DirectoryGroup(displayName: "Fleet", externalID: nil, memberIDs: [424242]))
                .run(by: directory, in: database)
        }
        XCTAssertEqual(try database.scalarInt("SELECT count(*) FROM scim_groups"), 0)
        try database.run("INSERT INTO organizations (id, name, name_for_drivers, created_at) VALUES (2, 'Other', 'Other', 'x')")
        let theirs = try SaveDirectoryUser(organization: 2, id: nil, directoryUser("them@other.example")).run(by: .directory(of: 2), in: database)
        try refused(UserError.self) { try DeleteDirectoryUser(organization: organization, id: theirs).run(by: directory, in: database) }
        try refused(UserError.self) { try DeleteDirectoryUser(organization: 2, id: theirs).run(by: directory, in: database) }
        XCTAssertNil(try Directory(database: database, organization: organization).user(theirs))
    }
}
