import Foundation
import Storage

/// How many calls an API token may make: `perMinute`, in bursts of at most `burst`. The allowance
/// lives in the token's row (a generic cell rate: the time its bucket is full again), so every
/// process and host takes from the same one and a restart grants nothing. A process takes `lease`
/// calls at once, so that a busy token costs one write per few calls; calls leased and not made
/// are lost with the process, never given twice.
public struct APICallAllowance: Sendable {
    public let perMinute: Int
    public let burst: Int

    public init(perMinute: Int, burst: Int) {
        self.perMinute = max(1, perMinute)
        self.burst = max(1, burst)
    }

    /// Microseconds between two calls at the steady rate.
    var interval: Int64 { 60_000_000 / Int64(perMinute) }

    /// Calls taken per write: a tenth of the burst, at most a second's worth, at least one.
    public var lease: Int { max(1, min(burst / 10, perMinute / 60)) }

    /// How long leased calls stay good: the time the bucket takes to earn them back, so that a
    /// lease never lets a token go faster than its rate over any stretch longer than that.
    public func leaseSeconds(_ calls: Int) -> Double { Double(Int64(calls) * interval) / 1_000_000 }

    public enum Grant: Equatable, Sendable {
        case calls(Int)
        /// None left: the seconds until the next.
        case wait(seconds: Int)
    }

    /// Takes up to `lease` calls from the token's allowance in one atomic statement; nil when the
    /// token is gone.
    public func take(tokenID: Int, database: Database, now: Date = Date()) throws -> Grant? {
        let micros = Int64((now.timeIntervalSince1970 * 1_000_000).rounded())
        let window = Int64(burst) * interval
        // Calls available: those the bucket has earned since it was full at `rate_full_at`.
        let fullAt: SQLFragment = .greatest("rate_full_at", "\(p: 2)")
        let granted: SQLFragment = .least("\(p: 3)", "(\(p: 2) + \(p: 4) - \(fullAt)) / \(p: 5)")
        let taken = try database.change("""
            UPDATE api_tokens
            SET rate_granted = \(granted),
                rate_full_at = \(fullAt) + \(p: 5) * \(granted)
            WHERE id = \(p: 1) AND \(fullAt) + \(p: 5) <= \(p: 2) + \(p: 4)
            RETURNING rate_granted
            """, [.init(tokenID), .integer(micros), .init(lease), .integer(window), .integer(interval)]) { $0.int(0) }
        if let calls = taken.first { return .calls(calls) }
        guard let fullAt = try database.query("SELECT rate_full_at FROM api_tokens WHERE id = \(p: 1)", [.init(tokenID)], row: { $0.int(0) }).first else {
            return nil
        }
        let early = Int64(fullAt) + interval - micros - window
        return .wait(seconds: max(1, Int((early + 999_999) / 1_000_000)))
    }
}
