import Domain
import FastCGI
import Foundation
import Observability
import Storage
import Synchronization

/// Delivers the outbox from a thread of its own in every `serve` process; only the process that
/// holds the lease sends (`OutboxLease`), the others check about once a second whether it is free.
/// It takes due emails a few at a time, sends each over SMTP and records what happened before
/// the next: a crash between sending and recording costs at most one resend of that email, with
/// the same Message-ID. When the server cannot be reached, the whole sender waits (1, 2, 4 …
/// seconds, at most a minute) before the next email, besides that email's own retry delay.
public final class EmailDelivery: Sendable {
    let configuration: WebConfiguration
    private let stopping = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    /// How often a process that does not send checks the lease, and the holder checks for new emails.
    static let pollSeconds = 1.0
    /// The whole sender's wait after the server could not be reached that many times in a row.
    static let outage = Backoff(first: 1, ceiling: 60)
    /// Emails taken at once: few enough that a stop leaves little to put back.
    static let batch = 20

    public init(configuration: WebConfiguration) {
        self.configuration = configuration
    }

    /// The longest one email may take, whichever settings are in use.
    var timeout: Int { configuration.smtp?.timeout ?? configuration.smtpTimeout }

    public func start() {
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = "email"
        thread.start()
    }

    /// Stops after the email in hand (within the SMTP timeout) and gives the lease up.
    public func stop() {
        stopping.store(true, ordering: .releasing)
        wake.signal()
        _ = finished.wait(timeout: .now() + .seconds(timeout + 5))
    }

    private var isStopping: Bool { stopping.load(ordering: .acquiring) }

    private func pause(_ seconds: TimeInterval) {
        _ = wake.wait(timeout: .now() + max(0.01, seconds))
    }

    private func run() {
        let database: Database
        do {
            database = try Database(location: configuration.database, busyTimeoutMilliseconds: configuration.busyTimeoutMilliseconds)
        } catch {
            Logs.process.error("email: the sender cannot start: \(error)")
            return
        }
        let lease = ProcessLease.lease(database, timeout: timeout)
        let outbox = Outbox(database: database)
        // The flags' settings, or those saved on /email, read again each round: a save there applies without a restart.
        var sending: (settings: SMTPSettings, transport: SMTPTransport, composer: EmailComposer)?
        var holding = false
        var unreachable = 0
        // Saved settings that cannot be used (a replaced key) are logged once, not every second.
        var unusable = ""
        // The sender also keeps the outbox from growing without end, once an hour.
        var nextPrune = ContinuousClock.now
        while !isStopping {
            do {
                let current: SMTPSettings?
                do {
                    current = try EmailSetup.current(configuration, database)
                    unusable = ""
                } catch let error as UserError {
                    if error.message != unusable { Logs.process.error("email: the saved settings cannot be used: \(error.message)") }
                    unusable = error.message
                    current = nil
                }
                guard let settings = current else {
                    if sending != nil { Logs.process.info("email: not set up any more: emails wait in the outbox") }
                    sending = nil
                    pause(Self.pollSeconds)
                    continue
                }
                if sending?.settings != settings {
                    // smtp:// with STARTTLS optional: a server without a certificate gets the emails in the clear.
                    Telemetry.smtpMaySendUnencrypted(settings.url.lowercased().hasPrefix("smtp://") && !settings.requireSTARTTLS)
                    sending = (settings, try SMTPTransport(settings: settings), EmailComposer(configuration: configuration, settings: settings, database: database))
                    if holding { Logs.process.info("email: sending through \(settings.url) now") }
                }
                guard let (_, transport, composer) = sending else { continue }
                guard try lease.hold() else {
                    if holding { Logs.process.info("email: another process sends the outbox now") }
                    holding = false
                    pause(Self.pollSeconds)
                    continue
                }
                if !holding { Logs.process.info("email: this process sends the outbox (\(settings.url))") }
                holding = true
                if ContinuousClock.now >= nextPrune {
                    nextPrune = ContinuousClock.now + .seconds(3600)
                    let pruned = try outbox.prune()
                    if pruned > 0 { Logs.process.info("email: \(pruned) sent or skipped emails older than 30 days deleted") }
                }
                let items = try outbox.hasDue() ? try outbox.claim(limit: Self.batch, lease: lease) : []
                guard !items.isEmpty else {
                    pause(min(Self.pollSeconds, max(0, try outbox.nextDue()?.timeIntervalSinceNow ?? Self.pollSeconds)))
                    continue
                }
                for (index, item) in items.enumerated() {
                    guard !isStopping else {
                        for rest in items[index...] { try record(.untried, rest, outbox, lease) }
                        break
                    }
                    let outcome = deliver(item, composer, transport)
                    try record(outcome.result, item, outbox, lease)
                    if outcome.unreachable {
                        for rest in items[(index + 1)...] { try record(.untried, rest, outbox, lease) }
                        unreachable += 1
                        pause(Self.outage.delay(after: unreachable))
                        break
                    }
                    unreachable = 0
                }
            } catch {
                Logs.process.error("email: \(error)")
                pause(Self.pollSeconds)
            }
        }
        do { try lease.release() } catch { Logs.process.error("email: the lease was not given up (it expires by itself): \(error)") }
    }

    /// Composes and sends one email; never throws: every failure is an outcome.
    private func deliver(_ item: OutboxItem, _ composer: EmailComposer, _ transport: SMTPTransport) -> (result: Outbox.Outcome, unreachable: Bool) {
        guard MailAddress.isUsable(item.recipient) else { return (.permanentFailure("not an address email can be sent to"), false) }
        let message: MailMessage
        do {
            switch try composer.compose(item) {
            case .skip(let reason): return (.skipped(reason), false)
            case .message(let composed): message = composed
            }
        } catch let error as StorageError where error.isBusy {
            // Composing writes (its links are drawn then): a busy database is a reason to try later.
            Logs.process.error("email \(item.id) (\(item.kind.rawValue)) attempt \(item.attempts): \(error)")
            return (.temporaryFailure("the database was busy: \(error)"), false)
        } catch {
            Logs.process.error("email \(item.id) (\(item.kind.rawValue)) cannot be composed: \(error)")
            return (.permanentFailure("cannot be composed: \(error)"), false)
        }
        let started = ContinuousClock.now
        do {
            try transport.send(message.rendered(), to: item.recipient)
            Telemetry.send(channel: "email", outcome: "sent", duration: ContinuousClock.now - started)
            return (.sent, false)
        } catch {
            Telemetry.send(channel: "email", outcome: "failed", duration: ContinuousClock.now - started)
            Logs.process.error("email \(item.id) (\(item.kind.rawValue)) attempt \(item.attempts): \(error.message)")
            switch error {
            case .temporary(let text): return (.temporaryFailure(text), false)
            case .permanent(let text): return (.permanentFailure(text), false)
            case .unreachable(let text): return (.temporaryFailure(text), true)
            }
        }
    }

    /// Records an outcome; a busy database is waited for, since the email has already gone.
    private func record(_ outcome: Outbox.Outcome, _ item: OutboxItem, _ outbox: Outbox, _ lease: OutboxLease) throws {
        var tries = 0
        while true {
            do {
                return try outbox.record(outcome, for: item, lease: lease, policy: configuration.emailRetry)
            } catch let error as StorageError where error.isBusy && tries < 20 {
                tries += 1
                pause(0.5)
            }
        }
    }
}
