import Synchronization

/// How many of a process's connections may wait the whole busy timeout for the database's write
/// lock at once. When another writer holds the lock long (another process, a backup, a script),
/// waiting writers would otherwise take every worker thread and reads would queue behind them;
/// beyond the limit a writer waits only a moment, then answers busy (503, try again), and the
/// other workers keep serving reads.
public final class WriteGate: Sendable {
    public let limit: Int
    /// How long writers beyond the limit wait: the lock usually changes hands within milliseconds.
    public static let shortWaitMilliseconds: Int32 = 250
    private let waiting = Atomic<Int>(0)

    public init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// A place among the patient writers, or false when they are all taken.
    func enter() -> Bool {
        let now = waiting.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue
        guard now <= limit else {
            waiting.wrappingSubtract(1, ordering: .acquiringAndReleasing)
            return false
        }
        return true
    }

    func leave() {
        waiting.wrappingSubtract(1, ordering: .acquiringAndReleasing)
    }
}
