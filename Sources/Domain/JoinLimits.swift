import Foundation
import Storage

/// Limits on drivers' requests (joining a connection, asking again), and the single-use form
/// tokens those requests carry. Counted over a window (`RateWindow`), inside the transaction that
/// writes the request: writers take the lock in turn, so concurrent requests cannot race past a
/// limit, and a request refused writes nothing.
public struct JoinLimits {
    let database: Database

    /// The window both limits count over.
    public static let window: TimeInterval = 10 * 60
    /// Requests per address (an IPv6 address counts by its /64) per window: a workplace or a
    /// mobile network behind one address can still bring a crowd in at once.
    public static let perAddress = 60
    /// Requests per connection per window, from all addresses together: a queue no one can flood.
    public static let perConnection = 300
    /// How long a driver's form stays good after it was drawn; each is good for one request.
    public static let formTokenLifetime: TimeInterval = 24 * 60 * 60

    /// The limits in force: the ones above unless the operator set others (`serve --join-requests-per-…`).
    public struct Policy: Sendable {
        public let perAddress: Int
        public let perConnection: Int

        public init(perAddress: Int = JoinLimits.perAddress, perConnection: Int = JoinLimits.perConnection) {
            self.perAddress = perAddress
            self.perConnection = perConnection
        }
    }

    let policy: Policy

    public static let formExpired = "This form had expired. Check your answers and send it again."

    /// Who sent a request: the address it came from and the form token it carried.
    public struct Sender: Sendable {
        public let address: String
        public let formToken: String

        public init(address: String, formToken: String) {
            self.address = address
            self.formToken = formToken
        }
    }

    init(database: Database, policy: Policy) {
        self.database = database
        self.policy = policy
    }

    /// Spends the sender's form token and counts the request against the address's and the
    /// connection's limits. Call inside the transaction that writes the request: when it throws
    /// (a token already spent: 403; over a limit: 429 with when to try again) the transaction
    /// rolls back and nothing is recorded.
    func admit(_ sender: Sender, connectionID: Int, now: Date = Date()) throws {
        try spend(sender.formToken, now: now)
        let requests = RateWindow(database: database, window: Int(Self.window))
        let limits = [
            (subject: Self.addressSubject(sender.address), limit: policy.perAddress,
             message: "Too many requests to join were sent from your network in the last few minutes."),
            (subject: "join-connection:\(connectionID)", limit: policy.perConnection,
             message: "This connection has had too many requests to join in the last few minutes."),
        ]
        for (limit, tally) in zip(limits, try requests.tallies(limits.map(\.subject), now: now)) {
            try requests.refuse(tally, atLimit: limit.limit, now: now) { limit.message + " Try again in \($0)." }
        }
        try requests.prune(now: now)
        try requests.count(limits.map(\.subject), now: now)
    }

    /// A form token is good for one request: the first spends it, a replay is refused as an expired form.
    func spend(_ token: String, now: Date) throws {
        guard (22...100).contains(token.utf8.count) else { throw UserError.forbidden(Self.formExpired) }
        // Tokens older than their lifetime are refused by their age, so their record may go.
        try database.run("DELETE FROM spent_form_tokens WHERE spent_at < \(p: 1)",
                         [.text(DateText.store(now.addingTimeInterval(-2 * Self.formTokenLifetime)))])
        // A token already recorded inserts nothing: a replay.
        guard try !database.change("""
            INSERT INTO spent_form_tokens (token, spent_at) VALUES (\(p: 1), \(p: 2)) ON CONFLICT (token) DO NOTHING RETURNING token
            """, [.text(token), .text(DateText.store(now))], row: { _ in () }).isEmpty else {
            throw UserError.forbidden(Self.formExpired)
        }
    }

    /// What `admit` reads besides the connection's requests: the address's window and the form
    /// token's record (a browser may send one form to two connections at once).
    static func keys(_ sender: Sender) -> [LockKey] {
        [.named(addressSubject(sender.address)), .named("form token " + sender.formToken)]
    }

    /// The subject an address counts under (`ClientAddress.network`).
    public static func addressSubject(_ address: String) -> String {
        "join-address:" + String(ClientAddress.network(of: address).prefix(100))
    }
}
