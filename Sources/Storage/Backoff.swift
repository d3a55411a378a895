/// How long to wait after repeated failures: nothing for the first `free` ones, then `first`
/// seconds, doubling with each further failure up to `ceiling`. The one back-off of the app: the
/// outbox's retries, sign-in slowing, the pause before PostgreSQL is tried again. It lives in
/// Storage, the lowest layer, because the PostgreSQL connection uses it too.
public struct Backoff: Sendable, Equatable {
    public let first: Double
    public let ceiling: Double
    public let free: Int

    public init(first: Double, ceiling: Double, free: Int = 1) {
        self.first = first
        self.ceiling = ceiling
        self.free = max(0, free)
    }

    /// Seconds to wait after `failures` failures in a row.
    public func delay(after failures: Int) -> Double {
        guard failures >= free else { return 0 }
        // Past 2^30 every realistic ceiling is reached; the exponent stays small enough not to overflow.
        return min(ceiling, first * Double(1 << min(failures - free, 30)))
    }
}
