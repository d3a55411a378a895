import ArgumentParser
import Domain
import FastCGI
import Foundation
import Storage
import Web

@main
struct ConnectionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connections",
        abstract: "The driver-connections console of an EV-charging platform.",
        subcommands: [Serve.self, Seed.self, Migrate.self, ProfilePage.self],
        defaultSubcommand: Serve.self)
}

struct DatabaseOption: ParsableArguments {
    @Option(name: .long, help: "Path of the SQLite database file.")
    var database = "var/connections.sqlite"
}

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the console over FastCGI (behind nginx).")

    @OptionGroup var database: DatabaseOption

    @Option(help: "A unix socket path, or host:port for TCP.")
    var listen = "var/run/connections.sock"

    @Option(help: "Permission bits of the unix socket, in octal.")
    var socketMode = "660"

    @Option(help: "Worker threads, each with its own SQLite connection.")
    var threads = ServerConfiguration.defaultThreads

    @Option(help: "Largest request body accepted, in bytes.")
    var maxBodyBytes = 1 << 20

    @Option(help: "Seconds in-flight requests may take to finish after SIGTERM.")
    var shutdownGrace = 10.0

    @Option(help: "Folder of the page templates.")
    var views = "Views"

    @Option(help: "Folder of the static files nginx serves (for asset fingerprints).")
    var publicDirectory = "Public"

    @Option(help: "Absolute base URL of links given to drivers.")
    var publicBaseURL = "http://127.0.0.1:8080"

    @Flag(help: .hidden)
    var testRoutes = false

    func validate() throws {
        guard UInt32(socketMode, radix: 8) != nil else { throw ValidationError("--socket-mode must be octal, like 660") }
        guard threads >= 1 && threads <= 256 else { throw ValidationError("--threads must be from 1 to 256") }
        guard maxBodyBytes >= 1024 else { throw ValidationError("--max-body-bytes must be at least 1024") }
    }

    func run() throws {
        // Migrate once, before any worker opens the file.
        try Migrator().migrate(Database(path: database.database))
        let web = WebConfiguration(databasePath: database.database, views: try Views(directory: views),
                                   publicBaseURL: publicBaseURL, publicDirectory: publicDirectory, testRoutes: testRoutes)
        let server = FastCGIServer(
            configuration: ServerConfiguration(address: listen, socketMode: UInt32(socketMode, radix: 8)!, threads: threads,
                                               maxBodyBytes: maxBodyBytes, shutdownGraceSeconds: shutdownGrace),
            makeHandler: { try ConsoleHandler(configuration: web) })
        try server.run()
    }
}

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

    func run() throws {
        if reset {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database.database + suffix) }
        }
        let db = try Database(path: database.database)
        try Migrator().migrate(db)
        guard try ConnectionTable(database: db).count() == 0 else {
            throw ValidationError("\(database.database) already holds connections; use --reset to start over")
        }
        let started = Date()
        var demo = DemoData(database: db, connections: connections)
        let summary = try demo.generate()
        try db.execute("ANALYZE")
        print("Seeded \(database.database): \(summary.organizations) organizations, \(summary.connections) connections, "
              + "\(summary.drivers) drivers, \(summary.memberships) memberships in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
    }
}

struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending schema migrations.")

    @OptionGroup var database: DatabaseOption

    func run() throws {
        let db = try Database(path: database.database)
        let applied = try Migrator().migrate(db)
        print(applied.isEmpty ? "Schema is up to date." : "Applied migrations \(applied.map(String.init).joined(separator: ", ")).")
    }
}

struct ProfilePage: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile-page", abstract: "Time the table page's SQL and handler in-process (for scripts/bench).")

    @OptionGroup var database: DatabaseOption

    @Option(help: "Folder of the page templates.")
    var views = "Views"

    @Option(help: "How many times to run each part.")
    var iterations = 2000

    func run() throws {
        let web = WebConfiguration(databasePath: database.database, views: try Views(directory: views),
                                   publicBaseURL: "http://127.0.0.1", publicDirectory: "Public")
        let result = try PageProfile(configuration: web).measure(iterations: iterations)
        print(String(format: "sql_us=%.1f handler_us=%.1f page_bytes=%d", result.sqlMicroseconds, result.handlerMicroseconds, result.pageBytes))
    }
}
