import Domain
import Storage
import XCTest

final class ColumnCatalogTests: XCTestCase {
    func testThePageDescriptionsColumnsComeFirstInItsOrder() {
        XCTAssertEqual(ColumnCatalog.defaultVisible.map(\.label), [
            "Org ID", "Org Name", "Connection Name", "Connection Status", "Connected Drivers",
            "Benefits", "Approval type", "Connection Type", "Verify drivers by",
        ])
        XCTAssertEqual(ColumnCatalog.all.filter { !$0.visibleByDefault }.map(\.label),
                       ["Visibility", "Search Code", "Pending Requests", "Created", "Last Updated", "Invite Link"])
    }

    func testKeysAreUniqueAndLookUp() {
        XCTAssertEqual(Set(ColumnCatalog.all.map(\.key)).count, ColumnCatalog.all.count)
        for column in ColumnCatalog.all { XCTAssertEqual(ColumnCatalog.column(column.key), column) }
        XCTAssertNil(ColumnCatalog.column("password_hash"))
    }

    func testKinds() {
        XCTAssertEqual(ColumnCatalog.column("benefits")?.kind, .list)
        XCTAssertEqual(ColumnCatalog.column("questions")?.kind, .list)
        XCTAssertEqual(ColumnCatalog.column("connected_drivers")?.kind, .number)
        XCTAssertEqual(ColumnCatalog.column("created_at")?.kind, .date)
        XCTAssertEqual(ColumnCatalog.column("status")?.kind, .enumeration(["Enabled", "Disabled"]))
    }

    /// Every expression of the catalog is valid SQL against the schema, and every
    /// enumeration value the catalog offers is one the schema accepts.
    func testCatalogAgreesWithTheSchema() throws {
        let database = try demoDatabase(connections: 30)
        for column in ColumnCatalog.all {
            XCTAssertNoThrow(try database.query("SELECT \(raw: column.expression) FROM connections c JOIN organizations o ON o.id = c.org_id ORDER BY \(column.sortExpression) LIMIT 1") { _ in () }, column.key)
        }
        let enumerations: [(String, [String])] = ColumnCatalog.all.compactMap {
            if case .enumeration(let values) = $0.kind { return (String($0.expression.dropFirst(2)), values) }
            return nil
        }
        XCTAssertEqual(enumerations.count, 4)
        for (field, values) in enumerations {
            for value in values {
                XCTAssertNoThrow(try database.run("UPDATE connections SET \(raw: field) = \(p: 1) WHERE id = 1", [.text(value)]), "\(field) = \(value)")
            }
            XCTAssertThrowsError(try database.run("UPDATE connections SET \(raw: field) = 'Something else' WHERE id = 1"), field)
        }
        for kind in BenefitKind.allCases {
            XCTAssertNoThrow(try database.run("""
                INSERT INTO connection_benefits (connection_id, position, kind, discount_percent) VALUES (1, 9, \(p: 1), \(p: 2))
                ON CONFLICT (connection_id, kind) DO UPDATE SET discount_percent = excluded.discount_percent
                """,
                                              [.text(kind.rawValue), kind == .discountedCharging ? 10 : .null]))
        }
        for role in Role.allCases {
            try database.run("INSERT INTO users (id, email, name, password_hash, created_at) VALUES (1, 'a@b.example', 'A', 'x', 'x') ON CONFLICT DO NOTHING")
            XCTAssertNoThrow(try database.run("INSERT INTO user_roles VALUES (1, \(p: 1), \(p: 2)) ON CONFLICT (user_id, org_id) DO UPDATE SET role = excluded.role",
                                              [.init(try database.scalarInt("SELECT min(id) FROM organizations")), .text(role.rawValue)]))
        }
    }
}
