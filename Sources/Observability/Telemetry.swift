import CoreMetrics
import Foundation
import Prometheus

/// The process's metrics, named as Prometheus recommends (units in the names, `_total` counters),
/// each declared once here with its help text (promtool wants one). swift-metrics is bootstrapped on
/// the same registry, so what a library records through it is scraped too. `exposition()` is what
/// `/metrics` sends (MetricsListener).
public enum Telemetry {
    public static let registry = PrometheusCollectorRegistry()

    /// Once per process, before any metric is recorded. The series alerts and dashboards divide by
    /// or compare start at 0, so that they exist before their first event.
    public static func start() {
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        _ = processStart
        for outcome in ["failed", "succeeded"] { _ = events("sign_ins", outcome) }
        for outcome in ["created", "asked_before", "invalid"] { _ = events("join_requests", outcome) }
        for outcome in ["sent", "failed"] { _ = sends("email", outcome) }
        for outcome in ["admitted", "refused"] { _ = gateWaits(outcome) }
        for (status, reason) in [(503, "busy"), (503, "statement_timeout"), (503, "database_unreachable"), (429, "rate_limit")] {
            _ = refusals(status, reason)
        }
        exportsRunning.set(0.0)
        _ = exportedRowsCounter
    }

    /// Off (`--no-metrics`): nothing is recorded, for the cost comparison of scripts/bench.
    nonisolated(unsafe) public static var enabled = true

    static let durationBuckets: [Duration] = [.milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                                              .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500),
                                              .seconds(5), .seconds(10)]

    /// One answered request, by its route template ("/connections/{id:Int}") and status.
    public static func request(route: String, status: Int, duration: Duration) {
        guard enabled else { return }
        registry.makeDurationHistogram(name: "connections_http_request_duration_seconds", labels: [("route", route), ("status", String(status))],
                                       buckets: durationBuckets, help: "Time from the request reaching the app to its answer, by route template and status.")
            .record(duration)
    }

    /// One database statement by kind (read, write, begin: a transaction's wait for its lock).
    public static func statement(kind: String, duration: Duration) {
        guard enabled else { return }
        (statementHistograms[kind] ?? statements(kind)).record(duration)
    }

    /// A page runs several statements: their kinds' histograms are found once, not asked of the
    /// registry (a lock and a lookup by name and labels) at each statement.
    private static let statementHistograms = Dictionary(uniqueKeysWithValues: ["read", "write", "begin"].map { ($0, statements($0)) })

    private static func statements(_ kind: String) -> Prometheus.DurationHistogram {
        registry.makeDurationHistogram(name: "connections_db_statement_duration_seconds", labels: [("kind", kind)],
                                       buckets: durationBuckets, help: "Database statement durations by kind (read, write, begin).")
    }

    /// An answer the app refused to give now (503, 429) and why (busy, statement_timeout, rate_limit, ...).
    public static func refusal(status: Int, reason: String) {
        guard enabled else { return }
        refusals(status, reason).increment()
    }

    private static func refusals(_ status: Int, _ reason: String) -> Prometheus.Counter {
        registry.makeCounter(name: "connections_refusals_total", labels: [("status", String(status)), ("reason", reason)],
                             help: "Requests answered 503 or 429, by reason.")
    }

    /// A write's wait to begin its transaction (the write gate, SQLite's one writer, PostgreSQL's locks), and whether it was refused.
    public static func writeGate(waited: Duration, refused: Bool) {
        guard enabled else { return }
        gateWaits(refused ? "refused" : "admitted").record(waited)
    }

    private static func gateWaits(_ outcome: String) -> Prometheus.DurationHistogram {
        registry.makeDurationHistogram(name: "connections_write_gate_wait_seconds", labels: [("outcome", outcome)],
                                       buckets: durationBuckets, help: "Time a write waited to begin its transaction, by outcome (admitted, refused).")
    }

    /// Something counted by outcome: sign-ins (failed, succeeded), join requests (created, asked_before, invalid, refused_503, ...).
    public static func event(_ name: String, outcome: String) {
        guard enabled else { return }
        events(name, outcome).increment()
    }

    private static func events(_ name: String, _ outcome: String) -> Prometheus.Counter {
        registry.makeCounter(name: "connections_\(name)_total", labels: [("outcome", outcome)], help: eventHelp[name] ?? "Events by outcome.")
    }

    static let eventHelp = [
        "sign_ins": "Sign-in attempts by outcome.",
        "join_requests": "Drivers' join requests by outcome.",
    ]

    /// One email (webhooks plug in as channel "webhook") handed to its receiver: how long it took, how it ended.
    public static func send(channel: String, outcome: String, duration: Duration) {
        guard enabled else { return }
        sends(channel, outcome).record(duration)
    }

    private static func sends(_ channel: String, _ outcome: String) -> Prometheus.DurationHistogram {
        registry.makeDurationHistogram(name: "connections_send_duration_seconds", labels: [("channel", channel), ("outcome", outcome)],
                                       buckets: durationBuckets, help: "Time to hand one email or webhook to its receiver, by channel and outcome (sent, failed).")
    }

    /// 1 while the SMTP settings let emails go to a server that offers no TLS certificate (in the clear).
    public static func smtpMaySendUnencrypted(_ may: Bool) {
        registry.makeGauge(name: "connections_smtp_may_send_unencrypted", labels: [],
                           help: "1 when the SMTP settings allow sending without TLS (smtp:// with --smtp-starttls optional).").set(may ? 1.0 : 0.0)
    }

    /// Exports running now in this process.
    public static func exportSlots(inUse: Int) {
        guard enabled else { return }
        exportsRunning.set(Double(inUse))
    }

    private static var exportsRunning: Prometheus.Gauge {
        registry.makeGauge(name: "connections_export_slots_in_use", labels: [], help: "Exports running now in this process.")
    }

    /// The rows one export wrote.
    public static func exportedRows(_ rows: Int) {
        guard enabled else { return }
        exportedRowsCounter.increment(by: Int64(rows))
    }

    private static var exportedRowsCounter: Prometheus.Counter {
        registry.makeCounter(name: "connections_exported_rows_total", labels: [], help: "Rows written by exports.")
    }

    /// A lookup in one of the process's caches (remembered values, prepared statements): hit or miss.
    public static func cache(_ name: String, hit: Bool) {
        guard enabled else { return }
        registry.makeCounter(name: "connections_cache_lookups_total", labels: [("cache", name), ("outcome", hit ? "hit" : "miss")],
                             help: "Cache lookups by cache and outcome; the hit ratio is hit / (hit + miss).").increment()
    }

    /// What waits in the outbox, by kind (set before each scrape: `beforeScrape`).
    public static func outbox(kind: String, waiting: Int, oldestSeconds: Double) {
        registry.makeGauge(name: "connections_outbox_waiting", labels: [("kind", kind)], help: "Emails queued or being sent, by kind.")
            .set(Double(waiting))
        registry.makeGauge(name: "connections_outbox_oldest_age_seconds", labels: [("kind", kind)],
                           help: "Age of the oldest email queued or being sent, by kind (0: none).").set(oldestSeconds)
    }

    /// Read before each scrape (the outbox's backlog: a query on a connection of the scraper's own).
    nonisolated(unsafe) public static var beforeScrape: (@Sendable () -> Void)?

    static let processStart = Date().timeIntervalSince1970

    /// The exposition text, with the values read at scrape time (the process's, the outbox's) set now.
    public static func exposition() -> [UInt8] {
        beforeScrape?()
        registry.makeGauge(name: "process_start_time_seconds", labels: [], help: "Start time of the process since the Unix epoch, in seconds.")
            .set(processStart)
        if let resident = ProcessFacts.residentBytes() {
            registry.makeGauge(name: "process_resident_memory_bytes", labels: [], help: "Resident memory size in bytes.").set(Double(resident))
        }
        registry.makeGauge(name: "process_open_fds", labels: [], help: "Number of open file descriptors.").set(Double(ProcessFacts.openDescriptors()))
        return registry.emitToBuffer()
    }
}
