import Domain
import Observability
import Synchronization

/// How many exports may run at once in this process, in all and per user, so that no user can
/// take every worker: over a limit the user is told to wait rather than queued.
final class ExportSlots: Sendable {
    let perProcess: Int
    let perUser: Int
    private let running = Mutex<(total: Int, byUser: [Int: Int])>((0, [:]))

    init(perProcess: Int, perUser: Int) {
        self.perProcess = perProcess
        self.perUser = perUser
    }

    /// A place for one export, to release when it ends; 429 when none is free.
    func take(userID: Int) throws -> Slot {
        try running.withLock { (state: inout (total: Int, byUser: [Int: Int])) throws -> Void in
            if state.byUser[userID, default: 0] >= perUser {
                throw UserError.tooManyRequests("An export is already running for you. Wait for it to finish, then export again.",
                                                retryAfterSeconds: 10)
            }
            if state.total >= perProcess {
                throw UserError.tooManyRequests("Other exports are running right now. Try again in a moment.", retryAfterSeconds: 10)
            }
            state.total += 1
            state.byUser[userID, default: 0] += 1
            Telemetry.exportSlots(inUse: state.total)
        }
        return Slot(slots: self, userID: userID)
    }

    fileprivate func release(userID: Int) {
        running.withLock { state in
            state.total -= 1
            Telemetry.exportSlots(inUse: state.total)
            state.byUser[userID, default: 1] -= 1
            if state.byUser[userID] == 0 { state.byUser[userID] = nil }
        }
    }

    /// One running export's place; releasing twice releases once.
    final class Slot: Sendable {
        private let slots: ExportSlots
        private let userID: Int
        private let released = Atomic<Bool>(false)

        fileprivate init(slots: ExportSlots, userID: Int) {
            self.slots = slots
            self.userID = userID
        }

        func release() {
            guard !released.exchange(true, ordering: .acquiringAndReleasing) else { return }
            slots.release(userID: userID)
        }

        deinit { release() }
    }
}
