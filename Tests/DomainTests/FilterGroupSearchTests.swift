@testable import Domain
import Storage
import XCTest

/// Two groups of two Contains are one query of the trigram index (a group of any is one OR clause), as two Contains are.
final class FilterGroupSearchTests: XCTestCase {
    func contains(_ column: String, _ value: String, group: Int) -> Filter {
        Filter(column: ColumnCatalog.column(column)!, condition: FilterConditions.condition("contains")!, value: value, group: group)
    }

    func testGroupsOfContainsReadTheIndexOnce() {
        let set = FilterSet([contains("name", "staff", group: 1), contains("name", "fleet", group: 1),
                             contains("questions", "badge", group: 2), contains("questions", "plate", group: 2)], match: .all, groupMatch: [.any, .any])
        XCTAssertEqual(set.searched.count, 4)
        let sqlite = set.sql(dialect: .sqlite)!.rendered(for: .sqlite)
        XCTAssertEqual(sqlite.sql.components(separatedBy: "MATCH").count - 1, 1, sqlite.sql)
        XCTAssertEqual(sqlite.parameters, [.text("({name} : \"staff\" OR {name} : \"fleet\") AND ({questions_list} : \"badge\" OR {questions_list} : \"plate\")")])
        let postgres = set.sql(dialect: .postgres)!.rendered(for: .postgres)
        XCTAssertEqual(postgres.sql.components(separatedBy: "SELECT id FROM connections").count - 1, 1, postgres.sql)
        // Match any between the groups: each filter's own SQL, no shared index query.
        var any = set
        any.match = .any
        XCTAssertTrue(any.searched.isEmpty)
    }
}
