import Storage

/// The one cursor format of the API's lists: the list it continues, a fingerprint of each part of
/// the query that chose and ordered the rows, and the place after the last row given. A cursor
/// sent with another query (a filter left out, another state) is refused with the parts that
/// differ, never answered with rows of that other query. Opaque base64url text to clients; the
/// place is no secret (the rows are the caller's own), so nothing is signed.
public enum QueryCursor {
    /// The parts of a query a cursor belongs to, each named as a client knows it (its parameters)
    /// and written in one normal form, so that the same query always gives the same text.
    public typealias Query = [(name: String, text: String)]

    static let version = "2"
    /// The largest cursor read: a place holds one sort value of at most a few hundred characters.
    public static let longest = 4096

    public static func encode(list: String, query: Query, place: [String]) -> String {
        let plain = ([version, list, fingerprints(list, query).joined(separator: ".")] + place).joined(separator: "|")
        return Base64URL.encode(plain.utf8)
    }

    /// The place of a cursor given back with `query`, `places` values long (the last may hold any text).
    public static func decode(_ text: String, list: String, query: Query, places: Int) throws(UserError) -> [String] {
        let bad = invalid
        guard text.utf8.count <= longest else { throw bad }
        guard let bytes = Base64URL.decode(text), let plain = String(validating: bytes, as: UTF8.self) else { throw bad }
        let fields = plain.split(separator: "|", maxSplits: 2 + places, omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 3 + places, fields[0] == version else { throw bad }
        guard fields[1] == list else {
            throw .badRequest("This cursor continues another list (\(fields[1].prefix(40))): start this one without a cursor.")
        }
        let given = fields[2].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let expected = fingerprints(list, query)
        guard given.count == expected.count else { throw bad }
        let differing = zip(query, zip(given, expected)).filter { $1.0 != $1.1 }.map(\.0.name)
        guard differing.isEmpty else {
            throw .badRequest("This cursor belongs to another query: its \(differing.joined(separator: ", ")) "
                              + "\(differing.count == 1 ? "differs" : "differ") from this request's. Follow “next” as it is "
                              + "(it repeats the whole query), or start again without it.")
        }
        return Array(fields[3...])
    }

    /// A cursor no list of this API gave out, or whose place does not read.
    public static let invalid = UserError.badRequest("The cursor is not one this API gave out: start again without it.")

    /// 32 bits of SHA-256 per part: enough to tell a mistaken query from the right one.
    static func fingerprints(_ list: String, _ query: Query) -> [String] {
        query.map { String(SHA256.hex(list + "\u{1F}" + $0.name + "\u{1F}" + $0.text).prefix(8)) }
    }
}
