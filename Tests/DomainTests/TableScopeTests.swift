import Domain
import XCTest

/// The one table scope: which organizations' rows and which columns a caller sees, for every door.
final class TableScopeTests: XCTestCase {
    let access = Access(userID: 1, email: "a@b.test", name: "A", roles: [10: .viewer, 20: .admin, 30: .connectionsOfficer])
    let restricted = ["search_code", "invite_link"]

    func keys(_ scope: TableScope) -> Set<String> { Set(scope.columns.map(\.key)) }

    func testEveryOrganizationTheCallerMaySeeAndOnlyColumnsAllowedInAllOfThem() throws {
        let all = try TableScope(TableState(), access: access)
        XCTAssertEqual(all.organizations, [10, 20, 30])
        XCTAssertTrue(keys(all).isDisjoint(with: restricted), "a Viewer somewhere: no invite secrets over all of them")
        XCTAssertEqual(all.columns.count, ColumnCatalog.all.count - restricted.count)
        XCTAssertEqual(all.columns, ColumnCatalog.all.filter { !restricted.contains($0.key) }, "in catalog order")

        var state = TableState()
        state.organization = 30
        let one = try TableScope(state, access: access)
        XCTAssertEqual(one.organizations, [30])
        XCTAssertTrue(keys(one).isSuperset(of: restricted), "an officer invites drivers: sees their links")
        XCTAssertEqual(TableScope(organizations: [20, 30], access: access).columns, ColumnCatalog.all)
        XCTAssertTrue(keys(TableScope(organizations: [], access: access)).isDisjoint(with: restricted))
    }

    func testAnotherOrganizationIsNotFoundAndAPermissionIsRequiredInTheOneNamed() {
        var state = TableState()
        state.organization = 40
        XCTAssertThrowsError(try TableScope(state, access: access)) { guard case .notFound = $0 as? UserError else { return XCTFail("\($0)") } }
        state.organization = 10
        XCTAssertThrowsError(try TableScope(state, access: access, allowing: .manageConnections)) {
            XCTAssertEqual($0 as? UserError, .forbidden("Your role in this organization (Viewer) does not allow this."))
        }
        XCTAssertEqual(try TableScope(TableState(), access: access, allowing: .manageConnections).organizations, [20])
    }
}
