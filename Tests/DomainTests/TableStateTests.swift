import Domain
import XCTest

final class TableStateTests: XCTestCase {
    func testDefaults() throws {
        let state = try TableState.parse([])
        XCTAssertEqual(state, TableState())
        XCTAssertEqual(state.sort.column.key, "name")
        XCTAssertFalse(state.sort.descending)
        XCTAssertEqual(state.pageSize, 50)
        XCTAssertTrue(state.queryPairs.isEmpty)
    }

    func testParsesAndWritesBack() throws {
        let query = [("sort", "connected_drivers"), ("order", "desc"), ("size", "100"), ("page", "3")]
        let state = try TableState.parse(query.map { (name: $0.0, value: $0.1) })
        XCTAssertEqual(state.sort.column.key, "connected_drivers")
        XCTAssertTrue(state.sort.descending)
        XCTAssertEqual(state.pageSize, 100)
        XCTAssertEqual(state.page, 3)
        XCTAssertEqual(state.queryPairs.map { "\($0.name)=\($0.value)" }, ["sort=connected_drivers", "order=desc", "size=100", "page=3"])
        XCTAssertEqual(try TableState.parse(state.queryPairs), state)
    }

    func testIgnoresParametersItDoesNotOwn() throws {
        XCTAssertEqual(try TableState.parse([(name: "utm_source", value: "mail")]), TableState())
    }

    func testRejectsMalformedValuesWithAMessage() {
        let cases: [(String, String, String)] = [
            ("sort", "password", "no such column"), ("order", "sideways", "asc"), ("page", "0", "page"),
            ("page", "two", "page"), ("size", "201", "from 1 to 200"), ("size", "-1", "page size"),
        ]
        for (name, value, fragment) in cases {
            XCTAssertThrowsError(try TableState.parse([(name: name, value: value)]), "\(name)=\(value)") { error in
                guard case .badRequest(let message) = error as? UserError else { return XCTFail("\(error)") }
                XCTAssertTrue(message.contains(fragment), message)
            }
        }
    }

    func testLongValuesAreCutInMessages() {
        XCTAssertThrowsError(try TableState.parse([(name: "sort", value: String(repeating: "x", count: 100_000))])) { error in
            XCTAssertLessThan((error as? UserError)?.message.count ?? .max, 200)
        }
    }
}
