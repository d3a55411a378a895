import Foundation
import Storage

/// A place in the table's order: just after the row with this sort value and id. The next page
/// starts there (keyset paging), so rows added or removed meanwhile shift nothing: a client walking
/// every page sees each row at most once. Handed to clients as opaque base64url text.
public struct TableCursor: Sendable, Equatable {
    public let sort: TableSort
    public let value: SQLValue
    public let id: Int

    public init(sort: TableSort, value: SQLValue, id: Int) {
        self.sort = sort
        self.value = value
        self.id = id
    }

    static let version = "1"
    /// A cursor holds one sort value, which is at most a few hundred characters (a list column's items).
    public static let longest = 4096

    public var encoded: String {
        let text: String
        switch value {
        case .integer(let number): text = String(number)
        case .text(let string): text = string
        default: text = ""
        }
        let plain = [Self.version, sort.column.key, sort.descending ? "d" : "a", String(id), text].joined(separator: "|")
        return Data(plain.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Reads a cursor handed back by a client; it must be for the sort asked now.
    public init(decoding text: String, for sort: TableSort) throws(UserError) {
        let bad = UserError.badRequest("The cursor is not one this API gave out: start again without it.")
        guard text.utf8.count <= Self.longest else { throw bad }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.utf8.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let plain = String(data: data, encoding: .utf8) else { throw bad }
        let parts = plain.split(separator: "|", maxSplits: 4, omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == Self.version, let id = RequestNumber.parse(parts[3], in: RequestNumber.ids),
              ["a", "d"].contains(parts[2]) else { throw bad }
        guard parts[1] == sort.column.key, (parts[2] == "d") == sort.descending else {
            throw .badRequest("This cursor belongs to another sort: keep sort and order as they were, or start again without it.")
        }
        switch sort.column.kind {
        case .number, .identifier:
            guard let number = RequestNumber.parse(parts[4], in: RequestNumber.filterValues) else { throw bad }
            value = .integer(Int64(number))
        case .text, .enumeration, .list, .date, .inviteLink:
            value = .text(String(parts[4]))
        }
        self.sort = sort
        self.id = id
    }

    /// The rows after this place in the sort, as a WHERE condition (row values compare in order,
    /// each with the sort's collation, so the sort's index serves it).
    var condition: SQLFragment {
        SQLFragment("(\(sort.column.sortExpression), c.id) \(sort.descending ? "<" : ">") (\(sort.column.sortValuePlaceholder), ?)", [value, .init(id)])
    }
}
