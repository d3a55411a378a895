import Domain
import XCTest

/// Filter groups in the address: `g` per filter, `gm` per group, `match` between them; old addresses unchanged.
final class FilterGroupTests: XCTestCase {
    func pairs(_ query: String) -> [(name: String, value: String)] {
        query.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            return (parts[0], parts.count > 1 ? parts[1] : "")
        }
    }

    func testGroupsReadFromTheAddressAndBackAndInTheSentence() throws {
        let query = "f=name&op=contains&v=fleet&g=1&f=name&op=contains&v=staff&g=1&f=status&op=is&v=enabled&g=0"
            + "&f=benefits&op=contains&v=free&g=2&f=questions&op=empty&v=&g=2&gm=any,all"
        let filters = try FilterSet.parse(pairs(query))
        XCTAssertEqual(filters.filters.map(\.group), [1, 1, 0, 2, 2])
        XCTAssertEqual(filters.groupMatch, [.any], "all is the default")
        XCTAssertEqual(filters.sentence, "where (Connection Name contains “fleet” or Connection Name contains “staff”) and Connection Status is Enabled"
            + " and (Benefits contains “free” and Verify drivers by is empty)")
        XCTAssertEqual(filters.queryPairs.map { "\($0.name)=\($0.value)" }.joined(separator: "&"), query.replacingOccurrences(of: "&gm=any,all", with: "&gm=any"))
        XCTAssertEqual(try FilterSet.parse(filters.queryPairs), filters)
        // Repeated gm reads as the comma list.
        XCTAssertEqual(try FilterSet.parse(pairs(query.replacingOccurrences(of: "gm=any,all", with: "gm=all&gm=any"))).groupMatch, [.all, .any])
    }

    func testAnOldAddressHasNoGroupsAndReadsAsBefore() throws {
        let old = "f=name&op=contains&v=fleet&f=status&op=is&v=Enabled&match=any"
        let filters = try FilterSet.parse(pairs(old))
        XCTAssertFalse(filters.isGrouped)
        XCTAssertEqual(filters.queryPairs.map { "\($0.name)=\($0.value)" }.joined(separator: "&"), old)
        XCTAssertEqual(filters.sentence, "where Connection Name contains “fleet” or Connection Status is Enabled")
    }

    func testMalformedGroupsAreClearBadRequests() {
        // A filter without a group is on its own; a group past the last filter names none.
        XCTAssertEqual(try FilterSet.parse(pairs("f=name&op=contains&v=a&g=1&f=name&op=contains&v=b")).filters.map(\.group), [1, 0])
        XCTAssertEqual(try FilterSet.parse(pairs("g=0&g=2")).filters.count, 0)
        XCTAssertEqual(try FilterSet.parse(pairs("gm=")).groupMatch, [], "an empty list")
        for (query, message) in [("f=name&op=contains&v=a&g=x", "from 0 (none) to 9"),
                                 ("f=name&op=contains&v=a&g=10", "from 0 (none) to 9"),
                                 ("f=name&op=contains&v=a&g=1&gm=some", "“all” or “any”"),
                                 ("gm=" + Array(repeating: "all", count: 10).joined(separator: ","), "at most 9 filter groups")] {
            XCTAssertThrowsError(try FilterSet.parse(pairs(query)), query) { error in
                guard let error = error as? UserError, case .badRequest = error else { return XCTFail("\(error)") }
                XCTAssertTrue(error.message.contains(message), "\(query): \(error.message)")
            }
        }
    }
}
