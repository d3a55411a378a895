import Foundation
import Domain
import Storage
import XCTest

/// Random filter sets, run through the real SQL on SQLite, must select exactly the rows that a
/// plain in-memory reading of the rules selects over the same rows.
final class FilterPropertyTests: XCTestCase {
    var database: Database!
    var rows: [[String: Cell]] = []
    var organizations: [Int] = []

    enum Cell {
        case text(String)
        case number(Int)
    }

    /// Values that trip naive SQL: LIKE wildcards, escapes, quotes, FTS5 syntax, case beyond ASCII.
    static let awkward = ["100% Électrique_A", "Under_score \\ back", "O'Brien \"Quoted\"", "ÉCOLE Supérieure", "école supérieure",
                          "Straße Zürich", "ÅRHUS ØST", "Αθήνα ΣΤΑΘΜΟΣ", "AND OR NOT * ^ :", "   padded name   ", "x"]

    override func setUpWithError() throws {
        database = try demoDatabase(connections: 400)
        organizations = try database.query("SELECT id FROM organizations") { $0.int(0) }
        let writer = ConnectionWriter(database: database)
        var random = SeededRandom(seed: 7)
        for (index, name) in Self.awkward.enumerated() {
            _ = try writer.insert(NewConnection(
                orgID: organizations[index % organizations.count], name: name, status: index % 2 == 0 ? .enabled : .disabled,
                type: .standard, approval: .manual, visibility: .private, benefits: [Benefit(.freeCharging)],
                questions: [Self.awkward[(index + 3) % Self.awkward.count].trimmingCharacters(in: .whitespaces), "Badge number"],
                emailDomains: [], searchCode: InviteCodes.searchCode(using: &random), inviteToken: InviteCodes.inviteToken(using: &random),
                createdAt: "2026-0\(index % 9 + 1)-1\(index % 9)T10:00:00Z", updatedAt: "2026-11-25T10:00:00Z"))
        }
        let columns = ColumnCatalog.all
        let table = ConnectionTable(database: database)
        let everything = TableState(sort: TableState.defaultSort, page: 1, pageSize: 25)
        try table.forEachRow(everything, columns: columns, organizations: organizations) { row in
            var record: [String: Cell] = ["id": .number(row.connectionID)]
            for (column, value) in zip(columns, row.cells) { record[column.key] = Self.raw(value) }
            rows.append(record)
        }
        XCTAssertEqual(rows.count, 400 + Self.awkward.count)
    }

    static func raw(_ value: CellValue) -> Cell {
        switch value {
        case .text(let text), .choice(let text): return .text(text)
        case .number(let number), .identifier(let number): return .number(number)
        case .list(let items): return .text(items.joined(separator: "\n"))
        case .date(let stored), .inviteToken(let stored): return .text(stored)
        }
    }

    // MARK: The rules, read plainly

    static func fold(_ text: String) -> [Unicode.Scalar] { Array(text.lowercased().unicodeScalars) }

    static func contains(_ haystack: [Unicode.Scalar], _ needle: [Unicode.Scalar]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        return (0...(haystack.count - needle.count)).contains { Array(haystack[$0..<$0 + needle.count]) == needle }
    }

    /// SQLite's trim(): spaces only.
    static func trimSpaces(_ text: String) -> String {
        String(text.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }

    static func matches(_ cell: Cell, column: Column, condition: String, value: String) -> Bool {
        let typed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        let needle = fold(typed)
        switch (cell, column.kind) {
        case (.number(let number), _):
            switch condition {
            case "contains": return contains(Array(String(number).unicodeScalars), needle)
            case "not_contains": return !contains(Array(String(number).unicodeScalars), needle)
            case "is": return number == Int(typed.filter { $0 != "," })
            case "is_not": return number != Int(typed.filter { $0 != "," })
            case "starts": return String(number).hasPrefix(typed)
            case "ends": return String(number).hasSuffix(typed)
            case "empty": return false
            case "not_empty": return true
            case "gt": return number > Int(typed.filter { $0 != "," })!
            case "lt": return number < Int(typed.filter { $0 != "," })!
            default: fatalError(condition)
            }
        case (.text(let text), .list):
            let items = text.isEmpty ? [] : text.split(separator: "\n", omittingEmptySubsequences: false).map { fold(String($0)) }
            switch condition {
            case "contains": return items.contains { contains($0, needle) }
            case "not_contains": return !items.contains { contains($0, needle) }
            case "is": return items.contains(needle)
            case "is_not": return !items.contains(needle)
            case "starts": return items.contains { $0.starts(with: needle) }
            case "ends": return items.contains { $0.reversed().starts(with: needle.reversed()) }
            case "empty": return text.isEmpty
            case "not_empty": return !text.isEmpty
            default: fatalError(condition)
            }
        case (.text(let text), .date):
            let day = String(text.prefix(10))
            switch condition {
            case "contains": return contains(fold(text), needle)
            case "not_contains": return !contains(fold(text), needle)
            case "is": return day == typed
            case "is_not": return day != typed
            case "starts": return fold(text).starts(with: needle)
            case "ends": return fold(text).reversed().starts(with: needle.reversed())
            case "empty": return false
            case "not_empty": return true
            case "gt": return day > typed
            case "lt": return day < typed
            default: return Self.relativeMatch(text, condition: condition, value: typed)
            }
        case (.text(let text), _):
            let whole = fold(trimSpaces(text))
            switch condition {
            case "contains": return contains(fold(text), needle)
            case "not_contains": return !contains(fold(text), needle)
            case "is": return whole == needle
            case "is_not": return whole != needle
            case "starts": return whole.starts(with: needle)
            case "ends": return whole.reversed().starts(with: needle.reversed())
            case "empty": return trimSpaces(text).isEmpty
            case "not_empty": return !trimSpaces(text).isEmpty
            default: fatalError(condition)
            }
        }
    }

    /// Relative dates, read plainly: the stored instant's local day in New York, against the test's
    /// "now" (2025-11-24 22:30 there, 03:30 UTC the next day), weeks as ISO 8601 counts them.
    static let clock = FilterClock(now: DateText.parse("2025-11-25T03:30:00Z")!, timeZone: TimeZone(identifier: "America/New_York")!)

    static func localDay(_ date: Date) -> DateComponents {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = clock.timeZone!
        return calendar.dateComponents([.year, .month, .day, .yearForWeekOfYear, .weekOfYear], from: date)
    }

    /// Whole days from today to the stored instant's day (negative: before today).
    static func daysFromToday(_ date: Date) -> Int {
        let (day, today) = (localDay(date), localDay(clock.now!))
        let count = { (c: DateComponents) in Int(Calendar(identifier: .gregorian).date(from: DateComponents(timeZone: .gmt, year: c.year, month: c.month, day: c.day))!.timeIntervalSince1970 / 86_400) }
        return count(day) - count(today)
    }

    static func relativeMatch(_ stored: String, condition: String, value: String) -> Bool {
        let date = DateText.parse(stored)!
        let (day, today) = (localDay(date), localDay(clock.now!))
        let dayText = String(format: "%04d-%02d-%02d", day.year!, day.month!, day.day!)
        switch condition {
        case "today": return daysFromToday(date) == 0
        case "this_week": return day.yearForWeekOfYear == today.yearForWeekOfYear && day.weekOfYear == today.weekOfYear
        case "this_month": return day.year == today.year && day.month == today.month
        case "last_days": return (-Int(value)!...0).contains(daysFromToday(date))
        case "next_days": return (0...Int(value)!).contains(daysFromToday(date))
        case "before": return dayText < value
        case "after": return dayText > value
        default: fatalError(condition)
        }
    }

    // MARK: Random filters drawn from the data

    func randomValue(for column: Column, condition: FilterCondition, using random: inout SeededRandom) -> String {
        let cell = rows.randomElement(using: &random)![column.key]!
        switch (cell, column.kind) {
        case (.number(let number), _):
            if ["contains", "not_contains", "starts", "ends"].contains(condition.key) {
                let digits = String(number)
                return String(digits.prefix(Int.random(in: 1...digits.count, using: &random)))
            }
            return String(number + Int.random(in: -1...1, using: &random))
        case (.text(let text), .date):
            if ["is", "is_not", "gt", "lt"].contains(condition.key) { return String(text.prefix(10)) }
            if ["last_days", "next_days"].contains(condition.key) { return String(Int.random(in: 1...500, using: &random)) }
            if ["before", "after"].contains(condition.key) {
                let day = Self.localDay(DateText.parse(text)!)
                return String(format: "%04d-%02d-%02d", day.year!, day.month!, day.day!)
            }
            return String(text.dropFirst(Int.random(in: 0...12, using: &random)).prefix(Int.random(in: 1...8, using: &random)))
        case (.text(let text), .enumeration(let allowed)):
            if condition.key == "is" || condition.key == "is_not" {
                let choice = allowed.randomElement(using: &random)!
                return Bool.random(using: &random) ? choice.uppercased() : choice
            }
            return randomPiece(of: text, using: &random)
        case (.text(let text), _):
            let roll = Int.random(in: 0..<10, using: &random)
            if roll == 0 { return ["%", "_", "\\", "'", "\"", "%_", "\" OR 1=1 --", "ÉCOLE", "Ü"].randomElement(using: &random)! }
            if roll == 1, !text.isEmpty {
                let item = text.split(separator: "\n").randomElement(using: &random).map(String.init) ?? text
                return Bool.random(using: &random) ? item.uppercased() : " " + item + " "
            }
            return randomPiece(of: text, using: &random)
        }
    }

    func randomPiece(of text: String, using random: inout SeededRandom) -> String {
        let scalars = Array(text.unicodeScalars.filter { $0 != "\n" })
        guard !scalars.isEmpty else { return "zz" }
        let start = Int.random(in: 0..<scalars.count, using: &random)
        let length = Int.random(in: 1...min(7, scalars.count - start), using: &random)
        var piece = String(String.UnicodeScalarView(scalars[start..<start + length]))
        if Bool.random(using: &random) { piece = piece.uppercased() }
        return piece.trimmingCharacters(in: .whitespaces).isEmpty ? "zz" : piece
    }

    static let filterable = ColumnCatalog.all.filter { column in FilterConditions.all.contains { $0.applies(to: column.kind) } }

    func testRandomFilterSetsMatchAPlainReadingOfTheRules() throws {
        var random = SeededRandom(seed: 20261125)
        let table = ConnectionTable(database: database)
        var nonTrivial = 0
        for round in 0..<600 {
            var filters: [Filter] = []
            // Half the rounds put filters in up to two groups (one level), each joined by its own all/any.
            let grouped = Bool.random(using: &random)
            for _ in 0..<Int.random(in: 1...(grouped ? 5 : 3), using: &random) {
                let column = Self.filterable.randomElement(using: &random)!
                let condition = FilterConditions.all.filter { $0.applies(to: column.kind) }.randomElement(using: &random)!
                let value = condition.needsValue ? randomValue(for: column, condition: condition, using: &random) : ""
                filters.append(Filter(column: column, condition: condition, value: value, group: grouped ? Int.random(in: 0...2, using: &random) : 0))
            }
            let match: FilterMatch = Bool.random(using: &random) ? .all : .any
            let groupMatch: [FilterMatch] = (0..<2).map { _ in Bool.random(using: &random) ? .all : .any }
            var set = FilterSet(filters, match: match, groupMatch: groupMatch)
            set.clock = Self.clock
            XCTAssertFalse(set.hasProblems, "\(round): \(filters.map { ($0.column.key, $0.condition.key, $0.value, $0.problem ?? "") })")
            let expected = Set(rows.filter { row in
                let result = { (filter: Filter) in Self.matches(row[filter.column.key]!, column: filter.column, condition: filter.condition.key, value: filter.value) }
                // Read plainly: each filter on its own is a part; each group with members is one part.
                var parts = filters.filter { $0.group == 0 }.map(result)
                for group in 1...2 {
                    let members = filters.filter { $0.group == group }.map(result)
                    guard !members.isEmpty else { continue }
                    parts.append(groupMatch[group - 1] == .all ? !members.contains(false) : members.contains(true))
                }
                return match == .all ? !parts.contains(false) : parts.contains(true)
            }.map { row -> Int in
                guard case .number(let id) = row["id"]! else { fatalError() }
                return id
            })
            var state = TableState(pageSize: 25)
            state.filters = set
            var found: [Int] = []
            try table.forEachRow(state, columns: [ColumnCatalog.column("name")!], organizations: organizations) { found.append($0.connectionID) }
            let description = "\(round) \(match) \(groupMatch): " + filters.map { "\($0.column.key) \($0.condition.key) [\($0.value)] g\($0.group)" }.joined(separator: ", ")
            XCTAssertEqual(Set(found), expected, description)
            XCTAssertEqual(found.count, Set(found).count, description)
            XCTAssertEqual(try table.page(state, columns: [], organizations: organizations).total, expected.count, description)
            if !expected.isEmpty && expected.count < rows.count { nonTrivial += 1 }
        }
        // The random sets must mostly select something and leave something out, or they prove little.
        XCTAssertGreaterThan(nonTrivial, 200)
    }

    func testInjectionAttemptsAreLiteralText() throws {
        let table = ConnectionTable(database: database)
        for attack in ["' OR 1=1 --", "\") OR 1=1 --", "%", "_", "\\", "*", "NEAR(a b)", "name: x", "\"", "'; DROP TABLE connections; --"] {
            var state = TableState(pageSize: 25)
            state.filters = FilterSet([Filter(column: ColumnCatalog.column("name")!, condition: FilterConditions.condition("contains")!, value: attack)])
            let total = try table.page(state, columns: [], organizations: organizations).total
            let expected = rows.filter { row in
                guard case .text(let name) = row["name"]! else { return false }
                return Self.contains(Self.fold(name), Self.fold(attack.trimmingCharacters(in: .whitespaces)))
            }.count
            XCTAssertEqual(total, expected, attack)
        }
        XCTAssertEqual(try database.scalarInt("SELECT count(*) FROM connections"), rows.count)
    }
}
