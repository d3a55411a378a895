import Storage

/// The columns the table shows, in order: chosen by the user and saved with their account, or
/// carried in the address (`cols=name,status,…`) to share a view. The Action column is not one
/// of them: it always shows.
public struct ColumnChoice: Sendable, Equatable {
    public let columns: [Column]

    public static let standard = ColumnChoice(validated: ColumnCatalog.defaultVisible)

    private init(validated columns: [Column]) {
        self.columns = columns
    }

    /// At least one column, each once, all from the catalog.
    public init(_ columns: [Column]) throws(UserError) {
        guard !columns.isEmpty else { throw .badRequest("Keep at least one column besides Action.") }
        guard Set(columns.map(\.key)).count == columns.count else { throw .badRequest("A column can show only once.") }
        self.columns = columns
    }

    /// "org_id,name,status" as in the address.
    public init(keys text: String) throws(UserError) {
        var columns: [Column] = []
        for key in text.split(separator: ",", omittingEmptySubsequences: true) {
            guard let column = ColumnCatalog.column(String(key)) else {
                throw .badRequest("There is no column “\(key.prefix(80))” to show.")
            }
            columns.append(column)
        }
        try self.init(columns)
    }

    public var keys: String { columns.map(\.key).joined(separator: ",") }

    /// The chosen columns the user may see here (the standard ones when none of them are left).
    public func restricted(to allowed: [Column]) -> ColumnChoice {
        let kept = columns.filter(allowed.contains)
        return ColumnChoice(validated: kept.isEmpty ? ColumnCatalog.defaultVisible.filter(allowed.contains) : kept)
    }

    /// The columns the user may see: the chosen ones first, in their order, then the others in
    /// catalog order, for a picker that lists them all.
    public func pickerOrder(allowed: [Column]) -> [Column] {
        columns + allowed.filter { !columns.contains($0) }
    }
}

/// The column choices saved per user.
public struct ColumnPreferences {
    let database: Database
    static let name = "connections.columns"

    public init(database: Database) {
        self.database = database
    }

    /// The saved choice; nil when none is saved or it names a column that no longer exists.
    public func choice(userID: Int) throws -> ColumnChoice? {
        try UserPreferences(database: database).value(Self.name, userID: userID).flatMap { try? ColumnChoice(keys: $0) }
    }

    public func save(_ choice: ColumnChoice, userID: Int) throws {
        try UserPreferences(database: database).set(Self.name, to: choice.keys, userID: userID)
    }
}
