import Domain
import Foundation
import Storage
import TestSupport

/// A database at the current schema filled with `connections` demo connections: in memory on
/// SQLite, a new database when the tests run on PostgreSQL (TestDatabases).
func demoDatabase(connections: Int) throws -> Database {
    guard TestDatabases.isPostgres else { return try sqliteDemoDatabase(connections: connections) }
    return try Database(location: TestDatabases.demo(connections: connections, in: FileManager.default.temporaryDirectory))
}

/// For tests of SQLite itself (its migrations' table rebuilds): SQLite in memory whatever the run.
func sqliteDemoDatabase(connections: Int) throws -> Database {
    let database = try Database(path: ":memory:")
    try Migrator().migrate(database)
    var demo = DemoData(database: database, connections: connections)
    _ = try demo.generate()
    return database
}
