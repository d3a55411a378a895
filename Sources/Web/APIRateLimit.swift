import Domain
import FastCGI
import Foundation
import Observability
import Storage
import Synchronization

/// Calls per API token, from the allowance kept in the database (`APICallAllowance`): this process
/// holds the few calls of its last lease per token, and takes more when they are spent or stale.
/// Over the allowance a client gets 429 with the seconds until its next call is allowed.
final class APIRateLimit: Sendable {
    let allowance: APICallAllowance
    private let leases = Mutex<[Int: Lease]>([:])

    struct Lease {
        var calls: Int
        /// Monotonic time after which the calls left are dropped.
        var until: Double
    }

    /// Leases kept at most; past it, the stale ones are dropped (they hold nothing to remember).
    static let mostLeases = 10_000

    init(perMinute: Int, burst: Int) {
        allowance = APICallAllowance(perMinute: perMinute, burst: burst)
    }

    /// Takes one call for the token, or says when to come back.
    func take(tokenID: Int, database: Database, now: Double = ProcessInfo.processInfo.systemUptime) throws {
        let leased = leases.withLock { leases -> Bool in
            guard var lease = leases[tokenID], lease.calls > 0, lease.until > now else { return false }
            lease.calls -= 1
            leases[tokenID] = lease
            return true
        }
        if leased { return }
        let grant: APICallAllowance.Grant?
        do {
            grant = try allowance.take(tokenID: tokenID, database: database)
        } catch let error as StorageError {
            // A database that cannot take the write (locked past the wait, full) does not stop the
            // API's reads: this process lends itself a lease, so the token keeps its steady rate
            // here and its calls wait for the lock once per lease, not each.
            Logs.process.error("API calls of token \(tokenID) not counted in the database for \(allowance.leaseSeconds(allowance.lease)) s: \(error)")
            grant = .calls(allowance.lease)
        }
        switch grant {
        case .calls(let calls)?:
            leases.withLock { leases in
                if leases.count >= Self.mostLeases { leases = leases.filter { $0.value.until > now && $0.value.calls > 0 } }
                let kept = leases[tokenID].map { $0.until > now ? $0.calls : 0 } ?? 0
                leases[tokenID] = Lease(calls: kept + calls - 1, until: now + allowance.leaseSeconds(calls))
            }
        case .wait(let seconds)?:
            let perMinute = allowance.perMinute
            throw UserError.tooManyRequests("This API token has made more than \(perMinute) requests a minute. Wait \(seconds) second\(seconds == 1 ? "" : "s"), then go on.",
                                            retryAfterSeconds: seconds)
        case nil:
            // Revoked since its access was read: the next call finds no token.
            return
        }
    }
}
