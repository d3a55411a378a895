import Domain
import Foundation
import Synchronization

/// Requests per API token: a token bucket per token, refilled at `perMinute` and holding at most
/// `burst`. Over it a client gets 429 with the seconds until its next request is allowed. Kept in
/// this process: nginx sends each token's calls to one process (hashed by the Authorization
/// header), so the limit holds per token, not per process.
final class APIRateLimit: Sendable {
    let perMinute: Int
    let burst: Int
    private let buckets = Mutex<[Int: Bucket]>([:])

    struct Bucket {
        var tokens: Double
        var at: Double
    }

    /// Buckets kept at most; past it, those full again are dropped (they hold nothing to remember).
    static let mostBuckets = 10_000

    init(perMinute: Int, burst: Int) {
        self.perMinute = perMinute
        self.burst = burst
    }

    /// Takes one request for the token, or says when to come back.
    func take(tokenID: Int, now: Double = ProcessInfo.processInfo.systemUptime) throws {
        let rate = Double(perMinute) / 60
        let capacity = Double(burst)
        let wait = buckets.withLock { buckets -> Int? in
            var bucket = buckets[tokenID] ?? Bucket(tokens: capacity, at: now)
            bucket.tokens = min(capacity, bucket.tokens + (now - bucket.at) * rate)
            bucket.at = now
            defer {
                if buckets.count >= Self.mostBuckets {
                    buckets = buckets.filter { $0.value.tokens + (now - $0.value.at) * rate < capacity }
                }
                buckets[tokenID] = bucket
            }
            guard bucket.tokens >= 1 else { return max(1, Int(((1 - bucket.tokens) / rate).rounded(.up))) }
            bucket.tokens -= 1
            return nil
        }
        if let wait {
            throw UserError.tooManyRequests("This API token has made more than \(perMinute) requests a minute. Wait \(wait) second\(wait == 1 ? "" : "s"), then go on.",
                                            retryAfterSeconds: wait)
        }
    }
}
