import Domain
import Storage
import XCTest

final class ConnectionTableTests: XCTestCase {
    var database: Database!

    override func setUpWithError() throws {
        database = try demoDatabase(connections: 300)
    }

    var everyOrganization: [Int] { (try? database.query("SELECT id FROM organizations") { $0.int(0) }) ?? [] }

    func allIDs(sortedBy key: String, descending: Bool) throws -> [Int] {
        let table = ConnectionTable(database: database)
        var ids: [Int] = []
        var page = 1
        while true {
            let state = TableState(sort: TableSort(column: ColumnCatalog.column(key)!, descending: descending), page: page, pageSize: 25)
            let result = try table.page(state, columns: ColumnCatalog.all, organizations: everyOrganization)
            ids += result.rows.map(\.connectionID)
            if page >= result.pageCount { break }
            page += 1
        }
        return ids
    }

    func testPagesCoverEveryRowOnceInEverySort() throws {
        for column in ColumnCatalog.all {
            for descending in [false, true] {
                let ids = try allIDs(sortedBy: column.key, descending: descending)
                XCTAssertEqual(ids.count, 300, column.key)
                XCTAssertEqual(Set(ids).count, 300, "\(column.key) repeats or skips rows across pages")
            }
        }
    }

    func testSortOrdersByValueThenIdInTheSameDirection() throws {
        let ascending = try allIDs(sortedBy: "connected_drivers", descending: false)
        let counts = try Dictionary(uniqueKeysWithValues: database.query("SELECT id, connected_drivers FROM connections") { ($0.int(0), $0.int(1)) })
        let expected = counts.keys.sorted { (counts[$0]!, $0) < (counts[$1]!, $1) }
        XCTAssertEqual(ascending, expected)
        XCTAssertEqual(try allIDs(sortedBy: "connected_drivers", descending: true), expected.reversed())
    }

    func testTextSortIgnoresCase() throws {
        try database.run("UPDATE connections SET name = 'aaa first' WHERE id = 7")
        try database.run("UPDATE connections SET name = 'AAB second' WHERE id = 8")
        XCTAssertEqual(Array(try allIDs(sortedBy: "name", descending: false).prefix(2)), [7, 8])
    }

    func testPagePastTheEndShowsTheLastPage() throws {
        let page = try ConnectionTable(database: database).page(TableState(page: 99, pageSize: 50), columns: ColumnCatalog.defaultVisible, organizations: everyOrganization)
        XCTAssertEqual(page.page, 6)
        XCTAssertEqual(page.rows.count, 50)
        XCTAssertEqual(page.firstRowNumber, 251)
        XCTAssertEqual(page.lastRowNumber, 300)
    }

    func testCellsAreTypedByKind() throws {
        let columns = ["org_id", "name", "status", "connected_drivers", "benefits", "created_at"].map { ColumnCatalog.column($0)! }
        try database.run("UPDATE connections SET name = '  Aardvarks  ' WHERE id = 1")
        let row = try XCTUnwrap(ConnectionTable(database: database).page(TableState(), columns: columns, organizations: everyOrganization).rows.first)
        XCTAssertEqual(row.connectionID, 1)
        guard case .identifier = row.cells[0], case .text("  Aardvarks  ") = row.cells[1], case .choice = row.cells[2],
              case .number = row.cells[3], case .list(let benefits) = row.cells[4], case .date(let created) = row.cells[5] else {
            return XCTFail("\(row.cells)")
        }
        XCTAssertFalse(benefits.isEmpty)
        XCTAssertTrue(benefits.allSatisfy { item in BenefitKind.allCases.contains { item.hasPrefix($0.rawValue) } }, "\(benefits)")
        XCTAssertNotNil(DateText.parse(created), created)  // as stored; the page and the exports format it
    }

    /// The page and the CSV export read a row's cells from the same positions of the query.
    func testTheCSVExportHoldsThePagesCells() throws {
        let columns = ["search_code", "connected_drivers", "created_at"].map { ColumnCatalog.column($0)! }
        let state = TableState(pageSize: 50)
        let page = try ConnectionTable(database: database).page(state, columns: columns, organizations: everyOrganization)
        var bytes: [UInt8] = []
        let outcome = try ConnectionExport(database: database, inviteURL: { $0 })
            .csv(state, columns: columns, organizations: everyOrganization, byteOrderMark: false) { bytes += $0 }
        XCTAssertEqual(outcome.rows, 300)
        let lines = String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n")
        let cells = page.rows.map { row in
            row.cells.map { cell -> String in
                switch cell {
                case .text(let text): return text
                // 2026-11-25T14:30:00Z as spreadsheets read a date-time: 2026-11-25 14:30:00 (UTC, in the header).
                case .date(let stored): return String(stored.prefix(19)).replacingOccurrences(of: "T", with: " ")
                case .number(let number): return String(number)
                default: return "\(cell)"
                }
            }.joined(separator: ",")
        }
        XCTAssertEqual(lines.first, "Search Code,Connected Drivers,Created (UTC)")
        XCTAssertEqual(Array(lines.dropFirst().prefix(50)), cells)
    }

    /// Whatever plan the scope picks (sort index first, organization index first, no condition),
    /// the rows are those of the organizations, in order.
    func testScopedPagesHoldOnlyTheirOrganizationsRows() throws {
        let organizations = everyOrganization.sorted()
        let table = ConnectionTable(database: database)
        for scope in [Array(organizations.prefix(1)), Array(organizations.prefix(6)), organizations] {
            let expected = try database.query("""
                SELECT id FROM connections WHERE org_id IN (\(ids: 1)) ORDER BY \(caseless: "name"), id
                """, [.text("[" + scope.map(String.init).joined(separator: ",") + "]")]) { $0.int(0) }
            let page = try table.page(TableState(pageSize: 200), columns: ColumnCatalog.defaultVisible, organizations: scope)
            XCTAssertEqual(page.total, expected.count)
            XCTAssertEqual(page.rows.map(\.connectionID), Array(expected.prefix(200)))
        }
    }

    func testEmptyTable() throws {
        let empty = try Database(path: ":memory:")
        try Migrator().migrate(empty)
        let page = try ConnectionTable(database: empty).page(TableState(page: 3), columns: ColumnCatalog.defaultVisible, organizations: [1])
        XCTAssertEqual(page.total, 0)
        XCTAssertEqual(page.page, 1)
        XCTAssertEqual(page.pageCount, 1)
        XCTAssertTrue(page.rows.isEmpty)
        XCTAssertEqual(page.firstRowNumber, 0)
    }
}
