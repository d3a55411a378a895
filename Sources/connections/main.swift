import ArgumentParser
import Domain
import FastCGI
import Foundation
import Storage
import Web

struct ConnectionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connections",
        abstract: "The driver-connections console of an EV-charging platform.",
        subcommands: [Serve.self, Seed.self, Migrate.self, CreateUser.self, ProfilePage.self],
        defaultSubcommand: Serve.self)
}

struct DatabaseOption: ParsableArguments {
    @Option(name: .long, help: "Path of the SQLite database file.")
    var database = "var/connections.sqlite"
}

// Called synchronously on the main thread: the server's signal handling relies on it (TECH-NOTES).
ConnectionsCommand.main()
