/// One step of the schema's history. Never edit a released migration: add a new one.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}

/// Applies pending migrations in order, each inside its own transaction, and
/// records the version in `PRAGMA user_version`.
public struct Migrator: Sendable {
    public let migrations: [Migration]

    public init(migrations: [Migration] = Schema.migrations) {
        precondition(migrations.map(\.version) == Array(1...migrations.count), "migration versions must be 1...n")
        self.migrations = migrations
    }

    public func currentVersion(of database: Database) throws -> Int {
        try database.scalarInt("PRAGMA user_version")
    }

    /// Returns the versions applied by this call.
    @discardableResult
    public func migrate(_ database: Database) throws -> [Int] {
        var applied: [Int] = []
        for migration in migrations {
            try database.transaction {
                // Re-read inside the write lock: another process may have migrated meanwhile.
                guard try currentVersion(of: database) < migration.version else { return }
                try database.execute(migration.sql)
                try database.execute("PRAGMA user_version = \(migration.version)")
                applied.append(migration.version)
            }
        }
        let version = try currentVersion(of: database)
        if version > migrations.count {
            throw StorageError(code: 1, message: "database schema version \(version) is newer than this program (\(migrations.count))", sql: nil)
        }
        return applied
    }
}
