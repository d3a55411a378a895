import Synchronization

/// Whether the shutdown's grace period is over, shared by the main thread and the workers.
final class StopState: Sendable {
    private let passed = Atomic<Bool>(false)

    var deadlinePassed: Bool { passed.load(ordering: .acquiring) }

    func passDeadline() { passed.store(true, ordering: .releasing) }
}
