import ArgumentParser
import Foundation
import Storage

/// `connections backup --to FILE`: a consistent copy taken while the app serves and writes.
/// SQLite: the online backup API (OnlineBackup). PostgreSQL: `pg_dump -Fc`, a snapshot of one transaction.
struct Backup: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Copy the database to a new file while the app runs (restore it with `restore`).")

    @OptionGroup var database: DatabaseOption

    @Option(help: "The new file to write (refused if it exists).")
    var to: String

    func run() throws {
        guard !FileManager.default.fileExists(atPath: to) else { throw ValidationError("\(to) exists already: back up to a new file") }
        switch database.location {
        case .sqlite:
            let source = try database.open()
            let pages = try OnlineBackup.backup(source, to: to)
            print("Backed up \(database.location) to \(to) (\(pages) pages, checked).")
        case .postgres(let uri):
            try PostgresTool.run("pg_dump", ["--format=custom", "--no-owner", "--file=\(to)", "--dbname=\(uri)"])
            print("Backed up \(database.location) to \(to) (pg_dump, custom format).")
        }
    }
}

/// `connections restore --from FILE`: a backup into a new installation (an empty database), then
/// migrated to this build's schema. Stop the app first when the new database takes the old one's place.
struct Restore: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Load a backup made by `backup` into a new, empty database.")

    @OptionGroup var database: DatabaseOption

    @Option(help: "The backup file.")
    var from: String

    func run() throws {
        guard FileManager.default.isReadableFile(atPath: from) else { throw ValidationError("\(from) cannot be read") }
        switch database.location {
        case .sqlite:
            let target = try database.open()
            try OnlineBackup.restore(target, from: from)
        case .postgres(let uri):
            let target = try database.open()
            guard try Migrator().currentVersion(of: target) == 0 else {
                throw ValidationError("\(database.location) is not empty: restore into a new database, then point the app at it")
            }
            try PostgresTool.run("pg_restore", ["--no-owner", "--exit-on-error", "--single-transaction", "--dbname=\(uri)", from])
        }
        let applied = try Migrator().migrate(database.open())
        let migrated = applied.isEmpty ? "" : ", then applied migrations " + applied.map(String.init).joined(separator: ", ")
        print("Restored \(from) into \(database.location)\(migrated).")
    }
}

/// PostgreSQL's own client programs (pg_dump, pg_restore), found on PATH; their errors pass through.
enum PostgresTool {
    static func run(_ program: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments
        do {
            try process.run()
        } catch {
            throw StartupError(description: "\(program) cannot be started (install postgresql-client): \(error)")
        }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw StartupError(description: "\(program) failed with status \(process.terminationStatus)") }
    }
}
