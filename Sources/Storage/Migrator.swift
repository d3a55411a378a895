import CSQLite

/// One step of the schema's history. Never edit a released migration: add a new one.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let sql: String
    /// The SQL rebuilds tables, as SQLite's documented procedure for schema changes ALTER TABLE
    /// cannot make (a new allowed value in a CHECK): CREATE TABLE x_new, INSERT INTO x_new SELECT
    /// from x, DROP TABLE x, ALTER TABLE x_new RENAME TO x, then CREATE again every index and
    /// trigger *on* x (they went with it; triggers on other tables that name x stay). The migrator
    /// turns foreign keys off around the transaction, so the drop neither cascades nor fails,
    /// and checks every foreign key before committing.
    /// https://www.sqlite.org/lang_altertable.html#otheralter
    public let rebuildsTables: Bool

    public init(version: Int, name: String, sql: String, rebuildsTables: Bool = false) {
        self.version = version
        self.name = name
        self.sql = sql
        self.rebuildsTables = rebuildsTables
    }
}

/// Brings a database to the latest version, in transactions, and records the version: in
/// `PRAGMA user_version` on SQLite, in the table `schema_version` on PostgreSQL. A new database is
/// created from the schema description (`Schema.current`) at its version; an existing one (or a
/// new one when the description is past the last migration given, as in a migration's own test)
/// runs the pending migrations in order, each in its own transaction.
public struct Migrator: Sendable {
    public let migrations: [Migration]
    /// PostgreSQL's own list (`PostgresSchema`), ending at the same version.
    public let postgresMigrations: [Migration]
    /// What a new database is made from; nil: from the migrations alone.
    public let schema: SchemaDescription?

    public init(migrations: [Migration] = Schema.migrations, postgresMigrations: [Migration] = PostgresSchema.migrations,
                schema: SchemaDescription? = Schema.current) {
        precondition(migrations.map(\.version) == Array(1...migrations.count), "migration versions must be 1...n")
        precondition(postgresMigrations.map(\.version) == postgresMigrations.map(\.version).sorted(), "PostgreSQL's migrations must be in order")
        self.migrations = migrations
        self.postgresMigrations = postgresMigrations
        // A description past the migrations given (in a migration's own test) makes no database of theirs.
        self.schema = schema.flatMap { $0.version <= migrations.count ? $0 : nil }
    }

    public func currentVersion(of database: Database) throws -> Int {
        switch database.dialect {
        case .sqlite: return try database.scalarInt("PRAGMA user_version")
        case .postgres:
            guard case .text? = try database.scalar("SELECT to_regclass('schema_version')::text") else { return 0 }
            return try database.scalarInt("SELECT version FROM schema_version")
        }
    }

    /// Returns the versions applied by this call.
    @discardableResult
    public func migrate(_ database: Database) throws -> [Int] {
        if database.dialect == .postgres, postgresMigrations.last?.version != migrations.count {
            throw StorageError(code: 1, message: "migration \(migrations.count) has no PostgreSQL text", sql: nil)
        }
        var applied: [Int] = []
        if let schema, try currentVersion(of: database) == 0 {
            let creation = Migration(version: schema.version, name: "the schema description", sql: schema.ddl(for: database.dialect))
            if try apply(creation, to: database) { applied = Array(1...schema.version) }
        }
        for migration in database.dialect == .postgres ? postgresMigrations : migrations {
            guard try currentVersion(of: database) < migration.version else { continue }
            let done = migration.rebuildsTables ? try withTableRebuilds(in: database) { try apply(migration, to: database) }
                : try apply(migration, to: database)
            if done { applied.append(migration.version) }
        }
        let version = try currentVersion(of: database)
        if version > migrations.count {
            throw StorageError(code: 1, message: "database schema version \(version) is newer than this program (\(migrations.count))", sql: nil)
        }
        return applied
    }

    /// Runs one migration in a write transaction; false when another process applied it first.
    func apply(_ migration: Migration, to database: Database) throws -> Bool {
        // Processes starting together take turns; each migration's DDL locks its tables as well.
        try database.transaction(locking: [.named("schema migrations")]) {
            // Re-read inside the write lock: another process may have migrated meanwhile.
            guard try currentVersion(of: database) < migration.version else { return false }
            // A migration of a large table takes longer than a page's statement may.
            if database.dialect == .postgres { try database.execute("SET LOCAL statement_timeout = 0") }
            try database.execute(migration.sql)
            if migration.rebuildsTables {
                let problems = try database.foreignKeyProblems()
                guard problems.isEmpty else {
                    throw StorageError(code: SQLITE_CONSTRAINT, message: "migration \(migration.version) (\(migration.name)) would break "
                                       + "foreign keys, rolled back: \(problems.prefix(5).joined(separator: "; "))", sql: nil)
                }
            }
            try record(migration.version, in: database)
            return true
        }
    }

    private func record(_ version: Int, in database: Database) throws {
        switch database.dialect {
        case .sqlite: try database.execute("PRAGMA user_version = \(version)")
        case .postgres:
            try database.execute("CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)")
            try database.run("DELETE FROM schema_version")
            try database.run("INSERT INTO schema_version (version) VALUES (\(p: 1))", [.init(version)])
        }
    }

    /// Runs `body` with foreign keys off (a pragma that cannot change inside a transaction, so it
    /// is set here, outside) and with ALTER TABLE RENAME leaving other tables' triggers and views
    /// alone: by default it re-reads them all, and those naming the table just dropped (the
    /// membership counters update `connections`) fail it. They name the table by the name the
    /// rename gives back, so they are right again after it. Both settings return afterwards.
    func withTableRebuilds<T>(in database: Database, _ body: () throws -> T) throws -> T {
        let foreignKeys = try database.scalarInt("PRAGMA foreign_keys")
        let legacyAlterTable = try database.scalarInt("PRAGMA legacy_alter_table")
        try database.execute("PRAGMA foreign_keys = OFF; PRAGMA legacy_alter_table = ON")
        defer { try? database.execute("PRAGMA legacy_alter_table = \(legacyAlterTable); PRAGMA foreign_keys = \(foreignKeys)") }
        return try body()
    }
}
