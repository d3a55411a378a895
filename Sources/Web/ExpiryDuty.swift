import Domain
import FastCGI
import Foundation
import Observability
import Storage
import Synchronization

/// Ends memberships on time, from a thread of its own in every `serve` process: the process that
/// holds the outbox lease (`ProcessLease`, taken here when email is not set up) looks every
/// `expirySweepSeconds` and ends the due ones in batches (`MembershipExpiry.sweep`), at most
/// `roundsPerLook` batches a look so a backlog never holds the thread. What is due is in the
/// database, so a restart or a kill -9 loses nothing: the next holder ends it at its next look.
public final class ExpiryDuty: Sendable {
    let configuration: WebConfiguration
    private let stopping = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    static let roundsPerLook = 20

    public init(configuration: WebConfiguration) {
        self.configuration = configuration
    }

    public func start() {
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = "expiry"
        thread.start()
    }

    public func stop() {
        stopping.store(true, ordering: .releasing)
        wake.signal()
        _ = finished.wait(timeout: .now() + .seconds(configuration.smtpTimeout + 5))
    }

    private func run() {
        let database: Database
        do {
            database = try Database(location: configuration.database, busyTimeoutMilliseconds: configuration.busyTimeoutMilliseconds)
        } catch {
            Logs.process.error("expiry: cannot start: \(error)")
            return
        }
        let lease = ProcessLease.lease(database, timeout: configuration.smtp?.timeout ?? configuration.smtpTimeout)
        while !stopping.load(ordering: .acquiring) {
            do {
                let ended = try look(database, lease: lease)
                if ended > 0 { Logs.process.info("expiry: \(ended) membership\(ended == 1 ? "" : "s") ended on time") }
            } catch {
                Logs.process.error("expiry: \(error)")
            }
            _ = wake.wait(timeout: .now() + .seconds(max(1, configuration.expirySweepSeconds)))
        }
    }

    /// One look: while this process holds the lease, the due memberships' batches. Returns how many ended.
    func look(_ database: Database, lease: OutboxLease) throws -> Int {
        guard try lease.hold() else { return 0 }
        let expiry = MembershipExpiry(database: database)
        var ended = 0
        for _ in 0..<Self.roundsPerLook {
            let round = try expiry.sweep(now: configuration.now())
            ended += round
            if round < MembershipExpiry.batch { break }
        }
        // Then the renewal reminders, each sent once (`MembershipRenewal`).
        let renewal = MembershipRenewal(database: database)
        for _ in 0..<Self.roundsPerLook {
            if try renewal.remind(now: configuration.now()) < MembershipExpiry.batch { break }
        }
        // And re-verification: asks due, and memberships whose ask went unanswered ended.
        let reverification = MembershipReverification(database: database)
        for _ in 0..<Self.roundsPerLook {
            let round = try reverification.sweep(now: configuration.now())
            ended += round.ended
            if max(round.asked, round.ended) < MembershipExpiry.batch { break }
        }
        return ended
    }
}
