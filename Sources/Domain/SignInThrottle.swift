import Foundation
import Storage

/// Failed sign-ins and failed search-code look-ups over a window, after OWASP's "Blocking Brute
/// Force Attacks" with device cookies. Nobody can lock someone else out of their own account:
///
/// - A *guesser* is one (account, address) pair, or one known device for its account. After
///   `freeFailures` failures each further try waits 2, 4, 8 … up to `maxDelaySeconds` after its
///   last failure; after `guesserLimit` within the window it is refused until they age out.
/// - Failures from unknown devices also count per account and per address. Beyond `accountLimit`
///   (many addresses at one account) and `addressLimit` (one address at many accounts: high, since
///   a whole NAT shares it), further tries *from unknown devices* are refused. A browser that
///   signed in to the account before (a valid device cookie) is never refused by those counts.
/// - Search codes: only failed look-ups count, per address, up to `searchCodeAddressLimit`.
///
/// Every decision is taken in the write transaction (BEGIN IMMEDIATE) that also counts the try,
/// so parallel guesses see each other: a sign-in is counted as a failure before its password is
/// checked, and a success takes its count back.
struct SignInThrottle {
    let database: Database

    static let window: TimeInterval = 15 * 60
    static let freeFailures = 3
    static let maxDelaySeconds = 60
    static let guesserLimit = 10
    static let accountLimit = 30
    static let addressLimit = 100
    static let searchCodeAddressLimit = 100

    /// Who tries to sign in: the account (the email as typed, normalized), the address, and the
    /// hash of the request's device cookie when it is valid for that account.
    struct Attempt {
        let account: String
        let address: String
        let knownDevice: String?

        init(account: String, address: String, knownDevice: String?) {
            self.account = String(account.prefix(254))
            self.address = String(ClientAddress.network(of: address).prefix(64))
            self.knownDevice = knownDevice
        }

        var guesser: String { knownDevice.map { "device:\($0) \(account)" } ?? "pair:\(address) \(account)" }
        /// Where a failure counts: a known device only against itself.
        var subjects: [String] { knownDevice == nil ? [guesser, "account:" + account, "address:" + address] : [guesser] }
    }

    /// The seconds a guesser with this many recent failures waits after its last one.
    static func delaySeconds(afterFailures count: Int) -> Int {
        Int(slowing.delay(after: count))
    }

    /// 2, 4, 8 … seconds once `freeFailures` have failed, at most `maxDelaySeconds`.
    static let slowing = Backoff(first: 2, ceiling: Double(maxDelaySeconds), free: freeFailures)

    private var failures: RateWindow { RateWindow(database: database, window: Int(Self.window)) }

    /// Admits the attempt to a password check and counts it as a failure in the same transaction,
    /// or throws `tooManyRequests`. Returns what was counted, for `withdraw` after a success.
    func admit(_ attempt: Attempt, now: Date = Date()) throws -> [RateWindow.Counted] {
        try database.transaction(locking: attempt.subjects.map { .named("sign-in " + $0) }) {
            if attempt.knownDevice == nil {
                try failures.refuse("account:" + attempt.account, atLimit: Self.accountLimit, now: now) { minutes in
                    "Too many failed sign-ins to this account from browsers it has not been used in. Sign in from a browser you "
                        + "signed in with before, or try again in \(minutes)."
                }
                try failures.refuse("address:" + attempt.address, atLimit: Self.addressLimit, now: now) { minutes in
                    "Too many failed sign-ins from your network. Sign in from a browser you signed in with before, or try again in \(minutes)."
                }
            }
            let own = try failures.tally(attempt.guesser, now: now)
            try failures.refuse(own, atLimit: Self.guesserLimit, now: now) { minutes in "Too many failed sign-in attempts. Try again in \(minutes)." }
            if let last = own.last {
                let remaining = last + Self.delaySeconds(afterFailures: own.count) - RateWindow.seconds(now)
                if remaining > 0 {
                    throw UserError.tooManyRequests("Too many failed sign-in attempts. Wait \(remaining) seconds before trying again.",
                                                    retryAfterSeconds: remaining)
                }
            }
            try failures.prune(now: now)
            return try attempt.subjects.map { try failures.count($0, now: now) }
        }
    }

    /// Takes back the failures `admit` counted for an attempt that succeeded. Call inside the
    /// transaction that records the success.
    func withdraw(_ counted: [RateWindow.Counted]) throws {
        for event in counted { try failures.withdraw(event) }
    }

    /// Looks up a search code, refusing the address once it has failed `searchCodeAddressLimit`
    /// times in the window. A look-up that finds nothing counts; one that finds a connection does
    /// not. A refused address is refused for every code, right or wrong: answering right codes
    /// while refusing wrong ones would tell a guesser which guess is right, and the limit would
    /// limit nothing. Drivers behind that address still have the invite link and QR code.
    func lookUpSearchCode<Found>(address: String, now: Date = Date(), _ lookUp: () throws -> Found?) throws -> Found? {
        let subject = "search-code:" + ClientAddress.network(of: address).prefix(64)
        let refuse = { try self.failures.refuse(subject, atLimit: Self.searchCodeAddressLimit, now: now) { minutes in
            "Too many wrong search codes were tried from your network. Open the invite link or scan the QR code from the host, "
                + "or try again in \(minutes)."
        } }
        // A look-up only reads (it works while another program holds the write lock); a miss is
        // counted in a write transaction that checks the limit again, so parallel misses cannot race past it.
        try refuse()
        if let found = try lookUp() { return found }
        try database.transaction(locking: [.named("sign-in " + subject)]) {
            try refuse()
            try failures.count(subject, now: now)
        }
        return nil
    }
}
