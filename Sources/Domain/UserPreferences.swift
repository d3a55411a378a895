import Storage

/// A user's saved choices (`user_preferences`): one text value per name, such as the table's columns
/// or its density. Each write is its own transaction, locking the user.
struct UserPreferences {
    let database: Database

    /// Remembered until the database changes: every table page asks.
    func value(_ name: String, userID: Int) throws -> String? {
        try database.remembered("preference\u{1F}\(userID)\u{1F}\(name)") { () throws -> String? in
            try database.query("SELECT value FROM user_preferences WHERE user_id = \(p: 1) AND name = \(p: 2)",
                               [.init(userID), .text(name)]) { $0.text(0) }.first
        }
    }

    func set(_ name: String, to value: String, userID: Int) throws {
        try database.transaction(locking: [.user(userID)]) { try database.run("""
            INSERT INTO user_preferences (user_id, name, value) VALUES (\(p: 1), \(p: 2), \(p: 3))
            ON CONFLICT (user_id, name) DO UPDATE SET value = excluded.value
            """, [.init(userID), .text(name), .text(value)]) }
    }
}
