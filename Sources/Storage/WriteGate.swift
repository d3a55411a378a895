import Synchronization

/// Keeps writers waiting for the database's write lock from taking every worker. When another
/// program holds the lock for long (a backup, a script, another process's long transaction),
/// waiting writers would otherwise fill every worker thread and reads would queue behind them.
/// Up to `limit` writers of a process wait the whole busy timeout; further writers wait too, in
/// slices of `stuckAfter`, while the lock changes hands as usual; once those `limit` have waited
/// longer than `stuckAfter` the lock is held by something else, and further writers answer busy
/// (503, try again) at once or at the end of their slice, leaving their workers to reads.
public final class WriteGate: Sendable {
    public let limit: Int
    /// Longer than a commit takes even with a slow disk's fsync.
    public static let stuckAfterMilliseconds: Int32 = 500
    static let stuckAfter: Duration = .milliseconds(Int(stuckAfterMilliseconds))
    /// When each patient writer began to wait.
    private let patient = Mutex<[ContinuousClock.Instant]>([])

    public init(limit: Int) {
        self.limit = max(1, limit)
    }

    enum Admission {
        /// One of the patient writers: call `leave(_:)` with this when done waiting.
        case patient(ContinuousClock.Instant)
        /// The patient ones are moving: wait like them.
        case ordinary
        /// The patient ones are stuck: answer busy now.
        case refused
    }

    func admit() -> Admission {
        let now = ContinuousClock.now
        return patient.withLock { waiting in
            if waiting.count < limit {
                // Room among the patient writers.
                waiting.append(now)
                return .patient(now)
            }
            return Self.stuck(waiting, now: now) ? .refused : .ordinary
        }
    }

    /// Whether every patient writer has waited longer than `stuckAfter`.
    var lockIsStuck: Bool {
        let now = ContinuousClock.now
        return patient.withLock { Self.stuck($0, now: now) }
    }

    private static func stuck(_ waiting: [ContinuousClock.Instant], now: ContinuousClock.Instant) -> Bool {
        !waiting.isEmpty && waiting.allSatisfy { now - $0 > stuckAfter }
    }

    func leave(_ since: ContinuousClock.Instant) {
        patient.withLock { waiting in
            if let index = waiting.firstIndex(of: since) { waiting.remove(at: index) }
        }
    }
}
