import Foundation
import Storage

/// Events counted per subject over a sliding window: join requests per address and per
/// connection (`JoinLimits`), failed sign-ins and search-code misses (`SignInThrottle`). All live
/// in one table, `rate_windows`, as one counter per subject and time bucket (a minute), not a row
/// per event, so a check reads at most a window's buckets however much traffic it limits.
///
/// A bucket leaves the window `window` seconds after its first event (`expires_at`), so an event
/// counts for between `window - bucket` and `window` seconds, and the Retry-After a refusal gives
/// is exactly when enough buckets have left. Times are whole seconds since 1970.
///
/// Check and count inside the transaction that acts on the decision: writers take the lock in
/// turn, so parallel events see each other, and an event refused writes nothing.
struct RateWindow {
    let database: Database
    /// Seconds an event counts for (at most).
    let window: Int
    /// Seconds per counter.
    var bucket = 60

    /// One counted event, to take back with `withdraw`.
    struct Counted: Equatable {
        let subject: String
        let bucket: Int
        let at: Int
        /// The bucket's last event before this one, restored when this one is taken back.
        let previousLast: Int?
    }

    /// A subject's counters within the window, oldest first.
    struct Tally {
        let buckets: [(count: Int, expiresAt: Int, lastAt: Int)]

        var count: Int { buckets.reduce(0) { $0 + $1.count } }
        /// The last event counted.
        var last: Int? { buckets.map(\.lastAt).max() }

        /// Seconds until fewer than `limit` events are counted (nil while they already are): the
        /// oldest buckets leave first.
        func retryAfter(limit: Int, now: Int) -> Int? {
            var excess = count - limit + 1
            guard excess > 0 else { return nil }
            for bucket in buckets {
                excess -= bucket.count
                if excess <= 0 { return max(1, bucket.expiresAt - now) }
            }
            return nil
        }
    }

    static func seconds(_ date: Date) -> Int { Int(date.timeIntervalSince1970.rounded(.down)) }

    func tally(_ subject: String, now: Date) throws -> Tally {
        try tallies([subject], now: now)[0]
    }

    /// The tallies of several subjects, in their order, read in one statement.
    func tallies(_ subjects: [String], now: Date) throws -> [Tally] {
        var buckets: [String: [(count: Int, expiresAt: Int, lastAt: Int)]] = [:]
        _ = try database.query("""
            SELECT subject, events, expires_at, last_at FROM rate_windows
            WHERE subject IN \(SQLFragment.list(subjects.map(SQLValue.text))) AND expires_at > \(p: 1) ORDER BY subject, expires_at
            """, [.integer(Int64(Self.seconds(now)))]) { buckets[$0.text(0), default: []].append((count: $0.int(1), expiresAt: $0.int(2), lastAt: $0.int(3))) }
        return subjects.map { Tally(buckets: buckets[$0] ?? []) }
    }

    /// Throws `tooManyRequests` while `limit` events or more are counted for `subject`; `message`
    /// gets when to come back ("1 minute", "5 minutes").
    func refuse(_ subject: String, atLimit limit: Int, now: Date, message: (String) -> String) throws {
        try refuse(tally(subject, now: now), atLimit: limit, now: now, message: message)
    }

    func refuse(_ tally: Tally, atLimit limit: Int, now: Date, message: (String) -> String) throws {
        guard let seconds = tally.retryAfter(limit: limit, now: Self.seconds(now)) else { return }
        let minutes = (seconds + 59) / 60
        throw UserError.tooManyRequests(message(minutes == 1 ? "1 minute" : "\(minutes) minutes"), retryAfterSeconds: seconds)
    }

    /// Counts one event for `subject` at `now`, to be taken back with `withdraw`.
    @discardableResult
    func count(_ subject: String, now: Date) throws -> Counted {
        let at = Self.seconds(now), bucket = at / self.bucket
        let previousLast = try database.query("SELECT last_at FROM rate_windows WHERE subject = \(p: 1) AND bucket = \(p: 2)",
                                              [.text(subject), .integer(Int64(bucket))]) { $0.int(0) }.first
        try count([subject], now: now)
        return Counted(subject: subject, bucket: bucket, at: at, previousLast: previousLast)
    }

    /// Counts one event for each of `subjects` (distinct) at `now`, in one statement.
    func count(_ subjects: [String], now: Date) throws {
        let at = Self.seconds(now), bucket = at / self.bucket
        var rows: SQLFragment = ""
        for (index, subject) in subjects.enumerated() {
            rows += (index == 0 ? "" : ", ") + .list([.text(subject), .integer(Int64(bucket)), 1, .integer(Int64(at + window)), .integer(Int64(at))])
        }
        try database.run("""
            INSERT INTO rate_windows (subject, bucket, events, expires_at, last_at) VALUES \(rows)
            ON CONFLICT (subject, bucket) DO UPDATE SET events = rate_windows.events + 1,
                last_at = CASE WHEN excluded.last_at > rate_windows.last_at THEN excluded.last_at ELSE rate_windows.last_at END
            """)
    }

    /// Takes back an event `count` counted (a sign-in that succeeded).
    func withdraw(_ counted: Counted) throws {
        let key: [SQLValue] = [.text(counted.subject), .integer(Int64(counted.bucket))]
        try database.run("DELETE FROM rate_windows WHERE subject = \(p: 1) AND bucket = \(p: 2) AND events = 1", key)
        if let previous = counted.previousLast {
            try database.run("""
                UPDATE rate_windows SET events = events - 1, last_at = CASE WHEN last_at = \(p: 3) THEN \(p: 4) ELSE last_at END
                WHERE subject = \(p: 1) AND bucket = \(p: 2)
                """, key + [.integer(Int64(counted.at)), .integer(Int64(previous))])
        } else {
            try database.run("UPDATE rate_windows SET events = events - 1 WHERE subject = \(p: 1) AND bucket = \(p: 2)", key)
        }
    }

    /// Drops the counters of every subject whose window has passed.
    func prune(now: Date) throws {
        try database.run("DELETE FROM rate_windows WHERE expires_at <= \(p: 1)", [.integer(Int64(Self.seconds(now)))])
    }
}
