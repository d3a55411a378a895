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
        let isNew = reset || !FileManager.default.fileExists(atPath: database.database)
        if reset { removeDatabase() }
        let db = try Database(path: database.database)
        try Migrator().migrate(db)
        guard try ConnectionTable(database: db).countAll() == 0 else {
            throw ValidationError("\(database.database) already holds connections; use --reset to start over")
        }
        let started = Date()
        var demo = DemoData(database: db, connections: connections)
        let summary: DemoData.Summary
        do {
            summary = try demo.generate()
        } catch {
            // A load that failed its checks leaves rows behind; a database made for it goes.
            if isNew { removeDatabase() }
            throw error
        }
        try db.execute("ANALYZE")
        print("Seeded \(database.database): \(summary.organizations) organizations, \(summary.connections) connections, "
              + "\(summary.drivers) drivers, \(summary.memberships) memberships in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
    }
}
