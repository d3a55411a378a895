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
        subcommands: [Serve.self, Seed.self, Migrate.self, CreateUser.self, ProfilePage.self],
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
        guard try ConnectionTable(database: db).countAll() == 0 else {
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

    @Option(help: "The user whose page is timed.")
    var email = DemoData.adminEmail

    @Option(help: "That user's password.")
    var password = DemoData.password

    func run() throws {
        let web = WebConfiguration(databasePath: database.database, views: try Views(directory: views),
                                   publicBaseURL: "http://127.0.0.1", publicDirectory: "Public")
        let result = try PageProfile(configuration: web, email: email, password: password).measure(iterations: iterations)
        print(String(format: "sql_us=%.1f handler_us=%.1f page_bytes=%d", result.sqlMicroseconds, result.handlerMicroseconds, result.pageBytes))
    }
}

struct CreateUser: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-user", abstract: "Create a user with a role in organizations (the first Admin, for instance).",
        discussion: "The password is read from standard input, so that it stays out of the shell's history.")

    @OptionGroup var database: DatabaseOption

    @Option(help: "The user's email, used to sign in.")
    var email: String

    @Option(help: "The user's name.")
    var name: String

    @Option(help: "Admin, Connections officer or Viewer.")
    var role = Role.admin.rawValue

    @Option(name: .customLong("org"), help: "An Org ID; repeat for several.")
    var organizations: [Int] = []

    @Flag(help: "Give the role in every organization.")
    var allOrganizations = false

    func run() throws {
        guard let role = Role(rawValue: role) else {
            throw ValidationError("--role must be one of: \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let db = try Database(path: database.database)
        try Migrator().migrate(db)
        let ids = allOrganizations ? try db.query("SELECT id FROM organizations ORDER BY id") { $0.int(0) } : organizations
        guard !ids.isEmpty else { throw ValidationError("name an organization with --org ID, or use --all-organizations") }
        let password = readLine(strippingNewline: true) ?? ""
        do {
            try db.transaction {
                let accounts = Accounts(database: db)
                let user = try accounts.createUser(email: email, name: name, password: password)
                for id in ids {
                    guard try db.scalarInt("SELECT count(*) FROM organizations WHERE id = ?1", [.init(id)]) == 1 else {
                        throw ValidationError("there is no organization with Org ID \(id)")
                    }
                    try accounts.setRole(userID: user, organizationID: id, role: role)
                }
                try AuditLog(database: db).record(actorID: nil, actor: "command line", organizationID: nil, action: "User created",
                                                  subject: email, details: ["role": role.rawValue])
            }
        } catch let error as UserError {
            throw ValidationError(error.message)
        }
        print("Created \(email) as \(role.rawValue) of \(ids.count) organization\(ids.count == 1 ? "" : "s").")
    }
}
