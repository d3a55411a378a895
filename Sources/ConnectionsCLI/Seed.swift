import ArgumentParser
import Domain
import FastCGI
import Foundation
import Storage
import Web

struct Seed: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create the database and fill it with demo data.")

    @OptionGroup var database: DatabaseOption

    @Option(help: "How many connections to generate.")
    var connections = 2_000

    @Flag(help: "Delete the database file first.")
    var reset = false

    func validate() throws {
        guard connections >= 0 && connections <= 10_000_000 else { throw ValidationError("--connections must be from 0 to 10,000,000") }
    }

    func removeDatabase() {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database.database + suffix) }
    }

    func run() throws {
        guard case .postgres = database.location else { return try seed(sqlite: database.database, reset: reset) }
        guard !reset else { throw ValidationError("--reset deletes a SQLite file; for PostgreSQL, seed a new, empty database") }
        // The same demo data as SQLite's: made in a temporary file, then moved over as `copy` does.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("connections-seed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("demo.sqlite").path
        let target = try database.open()
        try seed(sqlite: file, reset: false)
        do {
            _ = try DatabaseCopy(from: try Database(path: file), to: target).run { _ in }
        } catch let error as StorageError {
            throw StartupError(description: error.message)
        }
        print("Moved the demo data to \(database.location).")
    }

    private func seed(sqlite path: String, reset: Bool) throws {
        let isNew = reset || !FileManager.default.fileExists(atPath: path)
        if reset { removeDatabase() }
        let db = try Database(path: path)
        try Migrator().migrate(db)
        guard try ConnectionTable(database: db).countAll() == 0 else {
            throw ValidationError("\(path) already holds connections; use --reset to start over")
        }
        let started = Date()
        var demo = DemoData(database: db, connections: connections)
        let summary: DemoData.Summary
        do {
            summary = try demo.generate()
        } catch {
            // A load that failed its checks leaves rows behind; a database made for it goes.
            if isNew { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
            throw error
        }
        try db.execute("ANALYZE")
        print("Seeded \(path): \(summary.organizations) organizations, \(summary.connections) connections, "
              + "\(summary.drivers) drivers, \(summary.memberships) memberships in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
    }
}
