import Domain
import Foundation
import Storage

/// The database the tests that touch SQL run on: SQLite files by default; with
/// `CONNECTIONS_TEST_POSTGRES` set to a server's URI (scripts/test starts a throwaway one), a
/// fresh PostgreSQL database per test, made from a template holding the same demo data.
public enum TestDatabases {
    public static let postgresServer: String? = ProcessInfo.processInfo.environment["CONNECTIONS_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }

    public static var isPostgres: Bool { postgresServer != nil }

    nonisolated(unsafe) private static var sqliteTemplates: [Int: String] = [:]
    nonisolated(unsafe) private static var postgresTemplates: [Int: String] = [:]
    private static let lock = NSLock()

    /// A new database of `connections` demo connections: a copy of a SQLite file made once per
    /// size, placed in `folder`, or a PostgreSQL database made from a template. `sqlite`: a SQLite
    /// file whatever the run, for tests of SQLite's own faults (a file that cannot grow).
    public static func demo(connections: Int, in folder: URL, sqlite: Bool = false) throws -> DatabaseLocation {
        lock.lock()
        defer { lock.unlock() }
        let template = try sqliteTemplate(connections: connections)
        guard let server = postgresServer, !sqlite else {
            let path = folder.appendingPathComponent("connections.sqlite").path
            try FileManager.default.copyItem(atPath: template, toPath: path)
            return .sqlite(path: path)
        }
        let postgresTemplate = try postgresTemplates[connections] ?? {
            let name = "template_\(connections)_\(ProcessInfo.processInfo.processIdentifier)"
            let admin = try admin(server)
            try admin.execute("DROP DATABASE IF EXISTS \(name)")
            try admin.execute("CREATE DATABASE \(name)")
            _ = try DatabaseCopy(from: try Database(path: template), to: try Database(location: .postgres(uri: uri(server, database: name)))).run { _ in }
            postgresTemplates[connections] = name
            return name
        }()
        let name = newDatabaseName()
        try admin(server).execute("CREATE DATABASE \(name) TEMPLATE \(postgresTemplate)")
        return .postgres(uri: uri(server, database: name))
    }

    /// A new, empty database at the current schema, made from its description (or at schema
    /// `version` through the migrations, for a migration's test): a SQLite file in `folder`, or a
    /// PostgreSQL database.
    public static func empty(in folder: URL, atVersion version: Int? = nil) throws -> DatabaseLocation {
        let location: DatabaseLocation
        if let server = postgresServer {
            let name = newDatabaseName()
            try admin(server).execute("CREATE DATABASE \(name)")
            location = .postgres(uri: uri(server, database: name))
        } else {
            location = .sqlite(path: folder.appendingPathComponent("empty-\(UUID().uuidString).sqlite").path)
        }
        let migrator = version.map { version in
            Migrator(migrations: Array(Schema.migrations.prefix(version)), postgresMigrations: PostgresSchema.migrations.filter { $0.version <= version },
                     schema: nil)
        } ?? Migrator()
        try migrator.migrate(Database(location: location))
        return location
    }

    /// Removes a database `demo` made (a SQLite file goes with its folder).
    public static func drop(_ location: DatabaseLocation) {
        guard case .postgres(let uri) = location, let server = postgresServer, let name = databaseName(uri) else { return }
        try? admin(server).execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }

    private static func newDatabaseName() -> String {
        "test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    }

    private static func sqliteTemplate(connections: Int) throws -> String {
        if let path = sqliteTemplates[connections] { return path }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("connections-template-\(UUID().uuidString).sqlite").path
        let database = try Database(path: path)
        try Migrator().migrate(database)
        var demo = DemoData(database: database, connections: connections)
        _ = try demo.generate()
        try database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        sqliteTemplates[connections] = path
        return path
    }

    private static func admin(_ server: String) throws -> Database {
        try Database(location: .postgres(uri: server))
    }

    /// The server's URI with another database name: scheme://authority/NAME?query.
    public static func uri(_ server: String, database name: String) -> String {
        guard let schemeEnd = server.range(of: "://") else { return server }
        let rest = server[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let queryStart = rest[authorityEnd...].firstIndex(of: "?") ?? rest.endIndex
        return server[..<authorityEnd] + "/" + name + rest[queryStart...]
    }

    static func databaseName(_ uri: String) -> String? {
        guard let schemeEnd = uri.range(of: "://") else { return nil }
        let rest = uri[schemeEnd.upperBound...]
        guard let slash = rest.firstIndex(of: "/") else { return nil }
        return String(rest[rest.index(after: slash)...].prefix { $0 != "?" })
    }
}

extension Database {
    /// Holds every write lock as another program would (a maintenance script, a stuck transaction)
    /// and keeps it until ROLLBACK or COMMIT: BEGIN IMMEDIATE on SQLite; on PostgreSQL, where writes
    /// lock what they touch, every table in EXCLUSIVE mode, which lets reads through and makes every
    /// write wait.
    public func holdWriteLock() throws {
        switch dialect {
        case .sqlite: try execute("BEGIN IMMEDIATE")
        case .postgres:
            let tables = try query("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename") { "\"\($0.text(0))\"" }
            try execute("BEGIN")
            try execute("LOCK TABLE \(tables.joined(separator: ", ")) IN EXCLUSIVE MODE")
        }
    }
}
