import ArgumentParser
import Domain
import FastCGI
import Foundation
import Storage
import Web

/// The program's subcommands, shared by the served binary (`connections`) and the test build
/// (`connections-test`, which adds the end-to-end tests' hooks to `serve`).
public struct ConnectionsCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "connections",
        abstract: "The driver-connections console of an EV-charging platform.",
        subcommands: [Serve.self, Seed.self, Migrate.self, CreateUser.self, Copy.self, Backup.self, Restore.self, ProfilePage.self, BenchJSON.self, BenchExpiry.self],
        defaultSubcommand: Serve.self)

    public init() {}
}

struct DatabaseOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("A SQLite file's path, or a PostgreSQL connection URI (postgres://user@host:port/db).",
                                            discussion: "Keep a PostgreSQL password out of the command line: libpq reads PGPASSFILE (~/.pgpass) or a service file."))
    var database = "var/connections.sqlite"

    var location: DatabaseLocation { DatabaseLocation(database) }

    /// Opens the database; one line on standard error and exit status 1 when it cannot.
    func open() throws -> Database {
        do {
            return try Database(location: location)
        } catch let error as StorageError {
            throw StartupError(description: error.message)
        }
    }
}

/// A failure before any work began (the database cannot be reached): ArgumentParser prints
/// "Error: " and the description, and the process exits with status 1.
struct StartupError: Error, CustomStringConvertible {
    let description: String
}
