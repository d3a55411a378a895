import Domain
import Foundation
import Storage

/// What the web layer needs to know about where it runs.
public struct WebConfiguration: Sendable {
    public var database: DatabaseLocation
    /// How long a page's statement may run on PostgreSQL (exports have no limit).
    public var statementTimeoutMilliseconds = Database.defaultStatementTimeoutMilliseconds
    public var views: Views
    /// Absolute base of links handed to drivers (invite URLs, QR codes), e.g. "https://connect.example.com".
    public var publicBaseURL: String
    /// Appended to static asset URLs so that browsers may cache them forever.
    public var assetVersion: String
    /// The test build's routes and export knobs (`TestHooks`); nil in the served binary.
    public var testHooks: (any TestHooks)?
    /// How long a write waits for another writer's lock before the user gets "busy, try again".
    public var busyTimeoutMilliseconds: Int32
    /// Only for `scripts/bench-writes`, to measure what durable commits cost: NORMAL can lose acknowledged writes.
    public var synchronousNormalForBenchmarks = false
    /// Exports running at once in this process: in all, and per user.
    let exportSlots: ExportSlots
    /// Writers of this process that may wait for the database's lock at once.
    let writeGate: WriteGate
    /// Drivers' requests per address and per connection.
    public var joinLimits = JoinLimits.Policy()
    /// Calls per API token.
    let apiRateLimit: APIRateLimit
    /// Where email goes; nil: email is not set up, and emails wait in the outbox.
    public var smtp: SMTPSettings?
    /// When a temporary failure is tried again, and how often.
    public var emailRetry = Outbox.RetryPolicy()
    /// Email invites an organization may send in 24 hours.
    public var emailInvitesPerDay = EmailInvites.perOrganizationPerDay
    /// The key of the settings saved sealed on /email; nil: they cannot be saved or read (see `EmailSetup`).
    public var installationKey: InstallationKey?
    /// Seconds one email may take with the settings saved on /email (the flags' own otherwise).
    public var smtpTimeout = 30
    /// Webhooks (`WebhookDelivery`): plain http and loopback or private receivers allowed (tests,
    /// closed networks); seconds one delivery may take; the retry schedule's scale (1: about a day).
    public var webhooksAllowPrivate = false
    public var webhookTimeout = 15
    public var webhookRetry = WebhookOutbox.RetryPolicy()
    /// Seconds between two looks for memberships that have ended (`ExpiryDuty`): within a minute of their end.
    public var expirySweepSeconds = 15

    /// The time the sweep of memberships that end goes by: a test's (`TestHooks.now`) or the real one.
    func now() -> Date { testHooks?.now() ?? Date() }

    public init(database: DatabaseLocation, views: Views, publicBaseURL: String, publicDirectory: String, testHooks: (any TestHooks)? = nil,
                busyTimeoutMilliseconds: Int32 = 5000, exportsPerProcess: Int = 2, exportsPerUser: Int = 1, waitingWriters: Int = 2,
                apiRequestsPerMinute: Int = WebConfiguration.apiRequestsPerMinute, apiBurst: Int = WebConfiguration.apiBurst) {
        apiRateLimit = APIRateLimit(perMinute: apiRequestsPerMinute, burst: apiBurst)
        writeGate = WriteGate(limit: waitingWriters)
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        exportSlots = ExportSlots(perProcess: exportsPerProcess, perUser: exportsPerUser)
        self.testHooks = testHooks
        self.database = database
        self.views = views
        self.publicBaseURL = publicBaseURL.hasSuffix("/") ? String(publicBaseURL.dropLast()) : publicBaseURL
        self.assetVersion = Self.fingerprint(of: publicDirectory)
    }

    /// Calls per API token: enough for a roster sync of thousands of drivers a minute, not for a flood.
    public static let apiRequestsPerMinute = 600
    public static let apiBurst = 100

    /// The absolute link a driver opens to join a connection.
    public func inviteURL(token: String) -> String { publicBaseURL + InviteCodes.linkPath + token }

    /// The absolute link of a page, for emails.
    func absoluteURL(_ path: String) -> String { publicBaseURL + path }

    /// A short hash of the names, sizes and dates of the public files: it changes whenever one does.
    static func fingerprint(of directory: String) -> String {
        let files = (FileManager.default.enumerator(atPath: directory)?.allObjects as? [String] ?? []).sorted()
        return Fingerprint.of(files.map { file in
            let attributes = try? FileManager.default.attributesOfItem(atPath: directory + "/" + file)
            let size = (attributes?[.size] as? Int) ?? 0
            let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            return "\(file)|\(size)|\(modified)"
        }.joined())
    }
}
