import Storage

/// How tightly the connections table is set: compact (the default: a screenful of rows at 1280x800)
/// or comfortable (more room around each cell). Saved per user, like the columns.
public enum TableDensity: String, Sendable, CaseIterable {
    case compact, comfortable

    public static let standard = TableDensity.compact

    public init(form value: String?) throws(UserError) {
        guard let value, let density = TableDensity(rawValue: value) else {
            throw .badRequest("Choose the table's density: compact or comfortable.")
        }
        self = density
    }
}

/// The density saved per user, in `user_preferences`.
public struct DensityPreferences {
    let database: Database
    static let name = "connections.density"

    public init(database: Database) {
        self.database = database
    }

    /// The saved density, or the standard one (also when the stored word is no longer a density).
    public func density(userID: Int) throws -> TableDensity {
        try UserPreferences(database: database).value(Self.name, userID: userID).flatMap(TableDensity.init(rawValue:)) ?? .standard
    }

    public func save(_ density: TableDensity, userID: Int) throws {
        try UserPreferences(database: database).set(Self.name, to: density.rawValue, userID: userID)
    }
}
