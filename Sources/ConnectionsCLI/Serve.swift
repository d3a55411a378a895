import ArgumentParser
import Domain
import FastCGI
import Foundation
import Observability
import Storage
import Web

public struct Serve: ParsableCommand {
    public static let configuration = CommandConfiguration(abstract: "Serve the console over FastCGI (behind nginx).")

    public init() {}

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

    @Option(help: "Seconds a connection may send nothing before it is closed (a silent peer must not hold a worker).")
    var idleTimeoutSeconds = 30

    @Option(help: "Folder of the page templates.")
    var views = "Views"

    @Option(help: "Folder of the static files nginx serves (for asset fingerprints).")
    var publicDirectory = "Public"

    @Option(help: "Absolute base URL of links given to drivers.")
    var publicBaseURL = "http://127.0.0.1:8080"

    @Option(help: "Milliseconds a write waits for another writer's lock before answering 503 (busy, try again).")
    var busyTimeoutMs = 5000

    @Option(help: "PostgreSQL: milliseconds a page's statement may run before it is cancelled (503); exports have no limit.")
    var statementTimeoutMs = Database.defaultStatementTimeoutMilliseconds

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

    @Option(help: "Where email is sent: smtp://host:587 (STARTTLS) or smtps://host:465. Without it, emails wait in the outbox.")
    var smtpURL: String?

    @Option(help: "The From address of every email, \"Name <address>\" (drivers see their host's name instead).")
    var mailFrom: String?

    @Option(help: "The SMTP user name, if the server asks for one.")
    var smtpUser: String?

    @Option(help: "A file holding the SMTP password (or set CONNECTIONS_SMTP_PASSWORD); never on the command line.")
    var smtpPasswordFile: String?

    @Option(help: "smtp:// only: 'required' refuses a server without STARTTLS; 'optional' sends in the clear to one (a relay on this machine).")
    var smtpStarttls = "required"

    @Option(help: "Certificates (PEM) to trust for the SMTP server besides the system's.")
    var smtpCaFile: String?

    @Option(help: "Seconds one email may take to send, connecting included.")
    var smtpTimeout = 30

    @Option(help: "Seconds between two looks for memberships that have ended (1-60): they end within that of their time.")
    var expirySweepSeconds = 15

    @Option(help: "Attempts at an email that fails for a while (SMTP 4xx, no answer) before it is failed.")
    var emailAttempts = 8

    @Option(help: "Seconds before the second attempt; each later one waits twice as long (at most an hour).")
    var emailRetrySeconds = 60

    @Option(help: "The installation's key for settings saved sealed (the SMTP settings on /email): made at first start, mode 0600. Default: beside a SQLite database (its name and .key); on PostgreSQL, installation.key in the working folder (the same file on every host).")
    var installationKeyFile: String?

    @Flag(help: "Let webhooks go to loopback, link-local and private addresses, and over plain http (tests, closed networks).")
    var webhooksAllowPrivate = false

    @Option(help: "Seconds one webhook delivery may take.")
    var webhookTimeout = 15

    @Option(help: "The webhook retry schedule's scale: 1 waits 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h; 0.001 for tests.")
    var webhookRetryScale = 1.0

    @Option(help: "Email invites an organization may send in 24 hours.")
    var emailInvitesPerDay = EmailInvites.perOrganizationPerDay

    @Option(help: "Least severe log lines written, one JSON object each on standard error: \(Logs.levels.joined(separator: ", ")). At info, one line per request.")
    var logLevel = "info"

    @Option(help: "host:port where Prometheus scrapes this process's /metrics (plain HTTP; keep it off nginx and off the public network). Without it, no listener.")
    var metricsListen: String?

    @Flag(help: "Record no metrics (to measure what they cost: scripts/bench).")
    var noMetrics = false

    /// For scripts/bench-writes only: commits that can be lost on power failure, to measure what FULL costs.
    @Flag(help: .hidden)
    var benchmarkSynchronousNormal = false

    public func validate() throws {
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
        guard (1...3600).contains(idleTimeoutSeconds) else { throw ValidationError("--idle-timeout-seconds must be from 1 to 3600") }
        guard (1...600_000).contains(statementTimeoutMs) else { throw ValidationError("--statement-timeout-ms must be from 1 to 600000") }
        guard maxBodyBytes >= 1024 else { throw ValidationError("--max-body-bytes must be at least 1024") }
        guard ["required", "optional"].contains(smtpStarttls) else { throw ValidationError("--smtp-starttls must be required or optional") }
        guard (1...120).contains(webhookTimeout) else { throw ValidationError("--webhook-timeout must be from 1 to 120") }
        guard webhookRetryScale > 0, webhookRetryScale <= 10 else { throw ValidationError("--webhook-retry-scale must be above 0 and at most 10") }
        guard (1...600).contains(smtpTimeout) else { throw ValidationError("--smtp-timeout must be from 1 to 600") }
        guard (1...100).contains(emailAttempts), (1...86_400).contains(emailRetrySeconds) else {
            throw ValidationError("--email-attempts must be from 1 to 100 and --email-retry-seconds from 1 to 86400")
        }
        guard (1...10_000_000).contains(emailInvitesPerDay) else { throw ValidationError("--email-invites-per-day must be from 1 to 10000000") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level must be one of \(Logs.levels.joined(separator: ", "))") }
        guard smtpURL == nil || mailFrom != nil else { throw ValidationError("--smtp-url needs --mail-from \"Name <address>\"") }
    }

    /// The SMTP settings, with the password from its file or the environment; nil without --smtp-url.
    func smtpSettings() throws -> SMTPSettings? {
        guard let smtpURL, let mailFrom else { return nil }
        guard let from = MailAddress(parsing: mailFrom) else {
            throw ValidationError("--mail-from must be an address like \"Connections <noreply@example.com>\"")
        }
        var password = ProcessInfo.processInfo.environment["CONNECTIONS_SMTP_PASSWORD"]
        if let smtpPasswordFile {
            guard let text = try? String(contentsOfFile: smtpPasswordFile, encoding: .utf8) else {
                throw ValidationError("--smtp-password-file \(smtpPasswordFile) cannot be read")
            }
            // A file ends with a line break (LF or CRLF); the password does not.
            var scalars = text.unicodeScalars
            if scalars.last == "\n" { scalars.removeLast() }
            if scalars.last == "\r" { scalars.removeLast() }
            password = String(scalars)
        }
        guard password == nil || smtpUser != nil else { throw ValidationError("an SMTP password needs --smtp-user") }
        do {
            return try SMTPSettings(url: smtpURL, username: smtpUser, password: password, from: from, requireSTARTTLS: smtpStarttls == "required",
                                    caFile: smtpCaFile, connectTimeout: min(10, smtpTimeout), timeout: smtpTimeout)
        } catch let error as UserError {
            throw ValidationError(error.message)
        }
    }

    public func run() throws {
        try run(testHooks: nil)
    }

    /// Serves, with the test build's hooks when given (`connections-test serve --test-routes`).
    public func run(testHooks: (any TestHooks)?) throws {
        Logs.start(level: Logger.Level(rawValue: logLevel)!)
        Telemetry.start()
        Telemetry.enabled = !noMetrics
        // Every template is checked before anything is changed: a missing one refuses the start.
        let views = try Views(directory: views)
        if let metricsListen {
            let readings = ScrapeReadings(location: database.location)
            Telemetry.beforeScrape = { readings.read() }
            try MetricsListener(address: metricsListen, readiness: { readings.problems(views: views) }).start()
        }
        // Migrate once, before any worker opens the file.
        try Migrator().migrate(database.open())
        var web = WebConfiguration(database: database.location, views: views,
                                   publicBaseURL: publicBaseURL, publicDirectory: publicDirectory, testHooks: testHooks,
                                   busyTimeoutMilliseconds: Int32(busyTimeoutMs), exportsPerProcess: exportsPerProcess,
                                   exportsPerUser: exportsPerUser,
                                   // Half the workers at most wait for another writer's lock; the others keep serving reads.
                                   waitingWriters: max(1, threads / 2), apiRequestsPerMinute: apiRequestsPerMinute, apiBurst: apiBurst)
        web.synchronousNormalForBenchmarks = benchmarkSynchronousNormal
        web.statementTimeoutMilliseconds = statementTimeoutMs
        web.joinLimits = JoinLimits.Policy(perAddress: joinRequestsPerAddress, perConnection: joinRequestsPerConnection)
        web.smtp = try smtpSettings()
        web.smtpTimeout = smtpTimeout
        web.installationKey = try InstallationKey.loadOrCreate(at: installationKeyFile ?? {
            if case .sqlite(let path) = database.location { return path + ".key" }
            return "installation.key"
        }())
        web.emailRetry = Outbox.RetryPolicy(maximumAttempts: emailAttempts, firstDelay: TimeInterval(emailRetrySeconds))
        web.emailInvitesPerDay = emailInvitesPerDay
        web.webhooksAllowPrivate = webhooksAllowPrivate
        web.webhookTimeout = webhookTimeout
        web.webhookRetry = WebhookOutbox.RetryPolicy(scale: webhookRetryScale)
        guard (1...60).contains(expirySweepSeconds) else { throw ValidationError("--expiry-sweep-seconds is from 1 to 60.") }
        web.expirySweepSeconds = expirySweepSeconds
        let configured = web
        var serverConfiguration = ServerConfiguration(address: listen, socketMode: UInt32(socketMode, radix: 8)!, threads: threads,
                                                      maxBodyBytes: maxBodyBytes, shutdownGraceSeconds: shutdownGrace,
                                                      idleTimeoutSeconds: idleTimeoutSeconds)
        // An import's file is larger than any form (nginx lets the same paths through: nginx/connections.conf.template).
        serverConfiguration.uploadPaths = RosterImportPage.isUpload
        serverConfiguration.maxUploadBytes = RosterImportPage.maxUploadBytes
        let server = FastCGIServer(configuration: serverConfiguration, makeHandler: { try ConsoleHandler(configuration: configured) })
        // The sender runs beside the workers; which process sends is settled by the outbox's lease. It
        // starts once the server has blocked SIGTERM and SIGINT, so that its thread inherits that and the
        // signals reach the server's sigwait.
        let delivery = EmailDelivery(configuration: configured)
        if configured.smtp == nil { Logs.process.info("email: no --smtp-url: the settings saved on /email send, if any; else emails wait in the outbox") }
        let webhooks = WebhookDelivery(configuration: configured)
        // Memberships that end, ended on time by the process that holds the email lease (`ExpiryDuty`).
        let expiry = ExpiryDuty(configuration: configured)
        // The expiry thread stops first, so that the sender's stop gives up a lease nobody takes again.
        defer { expiry.stop(); delivery.stop(); webhooks.stop() }
        try server.run(onReady: { delivery.start(); webhooks.start(); expiry.start() })
    }
}
