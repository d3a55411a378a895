import Domain
import Foundation
import XCTest

/// The API document's filter pattern takes exactly the filters the table applies.
final class FilterPatternTests: XCTestCase {
    let values = ["fleet", "  Fleet  ", "", " ", "a\tb", "a\u{202E}b", "10", "-10", "+7", "1,234", "1,,2", ",1", "1,", "1 2", "1e3", "١٢",
                  "\t0,8,66,7,3,232,4,7,0,7,2809,22\r\u{0B}\r", "1000000000000000", "1000000000000001", "999999999999999", "-1,000,000,000,000,000",
                  "0001000000000000000", "0000999999999999999", "00001000000000000000", "-1000000000000000", "99999999999999999999", "2026-12-07", "2026-02-29", "2024-02-29", "2000-02-29", "1900-02-29",
                  "2026-04-31", "2026-13-01", "2026-1-01", "+026-01-01", "2026-12", " 2026-12-07 ", "Enabled", "enabled", "ENABLED ",
                  "Disabled!", "Free charging", "\u{212A}", String(repeating: "x", count: 200), String(repeating: "x", count: 201)]

    func testEachConditionsValuePatternTakesWhatTheFilterTakes() throws {
        for column in ColumnCatalog.all {
            for condition in FilterConditions.all {
                let filterProblem = { (value: String) in Filter(column: column, condition: condition, value: value).problem }
                guard let pattern = FilterPattern.value(condition, column) else {
                    XCTAssertNotNil(filterProblem("x"), "\(column.key) \(condition.key) applies but has no pattern")
                    continue
                }
                let regex = try NSRegularExpression(pattern: "^(?:\(pattern))$")
                for value in values + (column.kind.enumerationValues ?? []) {
                    let matches = regex.firstMatch(in: value, range: NSRange(value.startIndex..., in: value)) != nil
                    XCTAssertEqual(matches, filterProblem(value) == nil, "\(column.key):\(condition.key):\(value.debugDescription)")
                }
            }
        }
    }

    func testTheNumberPatternFollowsTheRangeOfFilterValues() {
        let upper = RequestNumber.filterValues.upperBound
        XCTAssertEqual(RequestNumber.filterValues.lowerBound, -upper)
        XCTAssertEqual(String(upper), "1" + String(repeating: "0", count: String(upper).count - 1), "a power of ten")
    }

    func testTheParameterPatternReadsAsTheAPIReadsFilters() throws {
        let regex = try NSRegularExpression(pattern: FilterPattern.parameter)
        for (word, applies) in [("name:contains:fleet", true), ("connected_drivers:gt:10", true), ("created_at:is:2026-12-07", true),
                                ("status:is:disabled", true), ("questions:empty:", true), ("questions:empty:anything", true),
                                ("name:gt:3", false), ("invite_link:contains:x", true), ("nope:is:x", false), ("name:contains:", false),
                                ("name:contains", false), ("status:is:Maybe", false)] {
            XCTAssertEqual(regex.firstMatch(in: word, range: NSRange(word.startIndex..., in: word)) != nil, applies, word)
            let parsed = try? FilterSet.parse([(name: "filter", value: word)])
            XCTAssertEqual(parsed.map { !$0.hasProblems } ?? false, applies, word)
        }
    }
}

extension ColumnKind {
    var enumerationValues: [String]? {
        if case .enumeration(let values) = self { return values }
        return nil
    }
}
