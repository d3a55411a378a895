import Domain
import Storage
import XCTest

final class DemoDataTests: XCTestCase {
    func seeded(_ connections: Int) throws -> Database {
        let database = try Database(path: ":memory:")
        try Migrator().migrate(database)
        var demo = DemoData(database: database, connections: connections)
        let summary = try demo.generate()
        XCTAssertEqual(summary.connections, connections)
        return database
    }

    func fingerprint(_ database: Database) throws -> [String] {
        try database.query("""
            SELECT c.id || '|' || o.name || '|' || c.name || '|' || c.status || '|' || c.search_code || '|' || c.invite_token
                   || '|' || c.benefits_list || '|' || c.questions_list || '|' || c.connected_drivers || '|' || c.created_at
            FROM connections c JOIN organizations o ON o.id = c.org_id ORDER BY c.id
            """) { $0.text(0) }
    }

    func testSameSizeGivesTheSameData() throws {
        XCTAssertEqual(try fingerprint(seeded(200)), try fingerprint(seeded(200)))
    }

    func testCoversEveryValueAUserCanMeet() throws {
        let database = try seeded(2000)
        func distinct(_ sql: SQLFragment) throws -> Set<String> { Set(try database.query(sql) { $0.text(0) }) }
        XCTAssertGreaterThanOrEqual(try database.scalarInt("SELECT count(*) FROM organizations"), 8)
        XCTAssertEqual(try distinct("SELECT DISTINCT state FROM memberships"), Set(MembershipState.allCases.map(\.rawValue)))
        XCTAssertEqual(try distinct("SELECT DISTINCT status FROM connections"), Set(ConnectionStatus.allCases.map(\.rawValue)))
        XCTAssertEqual(try distinct("SELECT DISTINCT connection_type FROM connections"), Set(ConnectionType.allCases.map(\.rawValue)))
        XCTAssertEqual(try distinct("SELECT DISTINCT approval_type FROM connections"), Set(ApprovalType.allCases.map(\.rawValue)))
        XCTAssertEqual(try distinct("SELECT DISTINCT visibility FROM connections"), Set(Visibility.allCases.map(\.rawValue)))
        XCTAssertEqual(try distinct("SELECT DISTINCT kind FROM connection_benefits"), Set(BenefitKind.allCases.map(\.rawValue)))
        XCTAssertTrue(try distinct("SELECT name FROM connections").isSuperset(of: ConnectionNamePresets.all))
        // Free-text names, connections without questions, and allow-lists for domain approval.
        XCTAssertGreaterThan(try database.scalarInt("SELECT count(*) FROM connections WHERE name NOT IN (\(raw: ConnectionNamePresets.all.map { "'\($0)'" }.joined(separator: ",")))"), 0)
        XCTAssertGreaterThan(try database.scalarInt("SELECT count(*) FROM connections WHERE questions_list = ''"), 0)
        XCTAssertEqual(try database.scalarInt("""
            SELECT count(*) FROM connections c WHERE approval_type = 'Automatically approve by email domain'
            AND NOT EXISTS (SELECT 1 FROM connection_email_domains d WHERE d.connection_id = c.id)
            """), 0)
        // Every membership answered every question of its connection.
        XCTAssertEqual(try database.scalarInt("""
            SELECT count(*) FROM memberships m JOIN connection_questions q ON q.connection_id = m.connection_id
            WHERE NOT EXISTS (SELECT 1 FROM membership_answers a WHERE a.membership_id = m.id AND a.position = q.position)
            """), 0)
    }

    func testDisplayListsMatchTheChildRows() throws {
        let database = try seeded(300)
        let mismatches = try database.scalarInt("""
            SELECT count(*) FROM connections c WHERE c.questions_list <> coalesce((
                SELECT group_concat(prompt, char(10)) FROM (SELECT prompt FROM connection_questions q WHERE q.connection_id = c.id ORDER BY position)), '')
            OR c.benefits_list <> coalesce((
                SELECT group_concat(label, char(10)) FROM (
                    SELECT CASE WHEN discount_percent IS NULL THEN kind ELSE kind || ' (' || discount_percent || '%)' END AS label
                    FROM connection_benefits b WHERE b.connection_id = c.id ORDER BY position)), '')
            """)
        XCTAssertEqual(mismatches, 0)
    }

    func testCountsMatchMemberships() throws {
        let database = try seeded(500)
        XCTAssertEqual(try database.scalarInt("""
            SELECT count(*) FROM connections c
            WHERE connected_drivers <> (SELECT count(*) FROM memberships m WHERE m.connection_id = c.id AND m.state = 'Connected')
               OR pending_requests <> (SELECT count(*) FROM memberships m WHERE m.connection_id = c.id AND m.state = 'Pending')
            """), 0)
    }
}
