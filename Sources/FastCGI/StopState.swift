import Synchronization

/// Whether a stop was asked for and whether its grace period is over, shared by the main thread
/// and the workers.
final class StopState: Sendable {
    private let passed = Atomic<Bool>(false)
    private let requested = Atomic<Bool>(false)

    /// No new connections are to be accepted.
    var stopRequested: Bool { requested.load(ordering: .acquiring) }

    func requestStop() { requested.store(true, ordering: .releasing) }

    var deadlinePassed: Bool { passed.load(ordering: .acquiring) }

    func passDeadline() { passed.store(true, ordering: .releasing) }
}
