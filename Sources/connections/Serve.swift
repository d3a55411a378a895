import ArgumentParser
import Domain
import FastCGI
import Foundation
import Storage
import Web

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

    @Option(help: "Milliseconds a write waits for another writer's lock before answering 503 (busy, try again).")
    var busyTimeoutMs = 5000

    @Option(help: "Exports that may run at once in this process (more wait: 429).")
    var exportsPerProcess = 2

    @Option(help: "Exports one user may run at once in this process.")
    var exportsPerUser = 1

    @Option(help: "Drivers' requests to join accepted per address in 10 minutes (an event with one Wi-Fi may need more).")
    var joinRequestsPerAddress = JoinLimits.perAddress

    @Option(help: "Drivers' requests to join accepted per connection in 10 minutes.")
    var joinRequestsPerConnection = JoinLimits.perConnection

    @Option(help: "Calls one API token may make a minute (a burst of --api-burst at once); over it, 429 with Retry-After.")
    var apiRequestsPerMinute = WebConfiguration.apiRequestsPerMinute

    @Option(help: "Calls one API token may make at once before the per-minute rate applies.")
    var apiBurst = WebConfiguration.apiBurst

    @Flag(help: .hidden)
    var testRoutes = false

    /// For scripts/bench-writes only: commits that can be lost on power failure, to measure what FULL costs.
    @Flag(help: .hidden)
    var benchmarkSynchronousNormal = false

    func validate() throws {
        guard UInt32(socketMode, radix: 8) != nil else { throw ValidationError("--socket-mode must be octal, like 660") }
        guard threads >= 1 && threads <= 256 else { throw ValidationError("--threads must be from 1 to 256") }
        guard (1...10_000_000).contains(joinRequestsPerAddress), (1...10_000_000).contains(joinRequestsPerConnection) else {
            throw ValidationError("--join-requests-per-address and --join-requests-per-connection must be from 1 to 10000000")
        }
        guard (1...64).contains(exportsPerProcess), (1...64).contains(exportsPerUser) else {
            throw ValidationError("--exports-per-process and --exports-per-user must be from 1 to 64")
        }
        guard (1...1_000_000).contains(apiRequestsPerMinute), (1...1_000_000).contains(apiBurst) else {
            throw ValidationError("--api-requests-per-minute and --api-burst must be from 1 to 1000000")
        }
        guard (0...60_000).contains(busyTimeoutMs) else { throw ValidationError("--busy-timeout-ms must be from 0 to 60000") }
        guard maxBodyBytes >= 1024 else { throw ValidationError("--max-body-bytes must be at least 1024") }
    }

    func run() throws {
        // Migrate once, before any worker opens the file.
        try Migrator().migrate(Database(path: database.database))
        var web = WebConfiguration(databasePath: database.database, views: try Views(directory: views),
                                   publicBaseURL: publicBaseURL, publicDirectory: publicDirectory, testRoutes: testRoutes,
                                   busyTimeoutMilliseconds: Int32(busyTimeoutMs), exportsPerProcess: exportsPerProcess,
                                   exportsPerUser: exportsPerUser,
                                   // Half the workers at most wait for another writer's lock; the others keep serving reads.
                                   waitingWriters: max(1, threads / 2), apiRequestsPerMinute: apiRequestsPerMinute, apiBurst: apiBurst)
        web.synchronousNormalForBenchmarks = benchmarkSynchronousNormal
        web.joinLimits = JoinLimits.Policy(perAddress: joinRequestsPerAddress, perConnection: joinRequestsPerConnection)
        let configured = web
        let server = FastCGIServer(
            configuration: ServerConfiguration(address: listen, socketMode: UInt32(socketMode, radix: 8)!, threads: threads,
                                               maxBodyBytes: maxBodyBytes, shutdownGraceSeconds: shutdownGrace),
            makeHandler: { try ConsoleHandler(configuration: configured) })
        try server.run()
    }
}
