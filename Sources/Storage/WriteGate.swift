import Synchronization

/// Keeps writers waiting for the database's write lock from taking every worker. When another
/// program holds the lock for long (a backup, a script, a stuck transaction), waiting writers
/// would otherwise fill every worker thread and reads would queue behind them.
///
/// Up to `limit` writers of a process wait the whole busy timeout. Further writers wait too, in
/// slices of `stuckAfter`, as long as the lock moves (some writer got it, or the database changed,
/// within the last slice); once it has not moved for `stuckAfter` while the patient writers wait,
/// it is held elsewhere, and further writers answer busy (503, try again), leaving their workers
/// to reads. (SQLite's waiting is not fair: a writer may wait long while others commit, which is
/// why the gate looks at whether the lock moves, not at how long one writer waited.)
public final class WriteGate: Sendable {
    public let limit: Int
    /// Longer than a commit takes, even with a slow disk's fsync.
    public static let stuckAfterMilliseconds: Int32 = 500
    static let stuckAfter: Duration = .milliseconds(Int(stuckAfterMilliseconds))

    private struct State {
        /// When each patient writer began to wait.
        var patient: [ContinuousClock.Instant] = []
        /// When the lock was last seen to move.
        var lastMove = ContinuousClock.now
    }

    private let state = Mutex(State())

    public init(limit: Int) {
        self.limit = max(1, limit)
    }

    enum Admission {
        /// One of the patient writers: call `leave(_:)` with this when done waiting.
        case patient(ContinuousClock.Instant)
        /// Wait in slices while the lock moves.
        case ordinary
        /// The lock is held elsewhere: answer busy now.
        case refused
    }

    func admit() -> Admission {
        let now = ContinuousClock.now
        return state.withLock { state in
            if state.patient.count < limit {
                state.patient.append(now)
                return .patient(now)
            }
            return Self.stuck(state, now: now) ? .refused : .ordinary
        }
    }

    func leave(_ since: ContinuousClock.Instant) {
        state.withLock { state in
            if let index = state.patient.firstIndex(of: since) { state.patient.remove(at: index) }
        }
    }

    /// A writer got the lock, or saw another's commit.
    func lockMoved() {
        let now = ContinuousClock.now
        state.withLock { $0.lastMove = now }
    }

    /// The patient writers have all waited longer than `stuckAfter`, and the lock has not moved meanwhile.
    var lockIsStuck: Bool {
        let now = ContinuousClock.now
        return state.withLock { Self.stuck($0, now: now) }
    }

    private static func stuck(_ state: State, now: ContinuousClock.Instant) -> Bool {
        !state.patient.isEmpty && state.patient.allSatisfy { now - $0 > stuckAfter } && now - state.lastMove > stuckAfter
    }
}
