import Domain
import FastCGI
import Foundation
import Observability
import Storage
import Synchronization

/// Sends the webhook deliveries from a thread of its own in every `serve` process; only the process
/// holding the webhook lease sends (`OutboxLease`, queue `.webhooks`), as `EmailDelivery` does for
/// email. Each delivery is recorded before the next is taken: a crash (kill -9) between sending and
/// recording costs one repeat of that delivery, with the same `webhook-id`, never a loss.
public final class WebhookDelivery: Sendable {
    let configuration: WebConfiguration
    private let stopping = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    static let pollSeconds = 0.5
    static let batch = 50

    public init(configuration: WebConfiguration) {
        self.configuration = configuration
    }

    public func start() {
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = "webhooks"
        thread.start()
    }

    /// Stops after the delivery in hand (within its timeout) and gives the lease up.
    public func stop() {
        stopping.store(true, ordering: .releasing)
        wake.signal()
        _ = finished.wait(timeout: .now() + .seconds(configuration.webhookTimeout + 5))
    }

    private var isStopping: Bool { stopping.load(ordering: .acquiring) }

    private func pause(_ seconds: TimeInterval) {
        _ = wake.wait(timeout: .now() + max(0.01, seconds))
    }

    private func run() {
        guard let key = configuration.installationKey else { return Logs.process.info("webhooks: no installation key: none are sent") }
        let database: Database
        let sender: WebhookSender
        do {
            database = try Database(location: configuration.database, busyTimeoutMilliseconds: configuration.busyTimeoutMilliseconds)
            sender = try WebhookSender(timeout: configuration.webhookTimeout, allowPrivate: configuration.webhooksAllowPrivate)
        } catch {
            return Logs.process.error("webhooks: the sender cannot start: \(error)")
        }
        var random = SystemRandomNumberGenerator()
        let lease = OutboxLease(database: database, holder: "\(ProcessInfo.processInfo.hostName) pid \(getpid()) " + InviteCodes.inviteToken(using: &random),
                                duration: TimeInterval(2 * configuration.webhookTimeout + 10), queue: .webhooks)
        let outbox = WebhookOutbox(database: database)
        while !isStopping {
            do {
                guard try lease.hold() else {
                    pause(1)
                    continue
                }
                let messages = try outbox.claim(limit: Self.batch, lease: lease, key: key)
                guard !messages.isEmpty else {
                    pause(min(Self.pollSeconds, max(0, try outbox.nextDue()?.timeIntervalSinceNow ?? Self.pollSeconds)))
                    continue
                }
                // A subscription and connection whose delivery failed: the rest of its batch waits behind it.
                var held = Set<[Int]>()
                for message in messages {
                    let key = [message.subscriptionID, message.connectionKey]
                    guard !isStopping, !held.contains(key) else {
                        try outbox.putBack(message, lease: lease)
                        continue
                    }
                    let started = ContinuousClock.now
                    let attempt = sender.send(message)
                    Telemetry.send(channel: "webhook", outcome: attempt.delivered ? "sent" : "failed", duration: ContinuousClock.now - started)
                    if !attempt.delivered {
                        held.insert(key)
                        Logs.process.info("webhooks: delivery \(message.id) attempt \(message.attempts): \(attempt.code.map { "HTTP \($0)" } ?? attempt.error ?? "")")
                    }
                    try outbox.record(attempt, for: message, lease: lease, policy: configuration.webhookRetry)
                }
            } catch {
                Logs.process.error("webhooks: \(error)")
                pause(1)
            }
        }
        do { try lease.release() } catch { Logs.process.error("webhooks: the lease was not given up (it expires by itself): \(error)") }
    }
}
