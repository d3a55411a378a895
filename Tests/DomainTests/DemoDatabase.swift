import Domain
import Storage

/// An in-memory database at the current schema, filled with `connections` demo connections.
func demoDatabase(connections: Int) throws -> Database {
    let database = try Database(path: ":memory:")
    try Migrator().migrate(database)
    var demo = DemoData(database: database, connections: connections)
    _ = try demo.generate()
    return database
}
