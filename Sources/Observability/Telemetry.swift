import CoreMetrics
import Foundation
import Prometheus

/// The process's metrics, named as Prometheus recommends (units in the names, `_total` counters),
/// each declared once here with its help text. swift-metrics is bootstrapped on the same registry,
/// so what a library records through it is scraped too. `exposition()` is what `/metrics` sends.
public enum Telemetry {
    public static let registry = PrometheusCollectorRegistry()

    /// Once per process, before any metric is recorded.
    public static func start() {
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        _ = processStart
    }

    /// Off (`--no-metrics`): nothing is recorded, for the cost comparison of scripts/bench.
    nonisolated(unsafe) public static var enabled = true

    static let durationBuckets: [Duration] = [.milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                                              .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500),
                                              .seconds(5), .seconds(10)]

    /// One answered request, by its route template ("/connections/{id}") and status.
    public static func request(route: String, status: Int, duration: Duration) {
        guard enabled else { return }
        registry.makeDurationHistogram(name: "connections_http_request_duration_seconds", labels: [("route", route), ("status", String(status))],
                                       buckets: durationBuckets, help: "Time from the request reaching the app to its answer, by route template and status.")
            .record(duration)
    }

    /// One database statement (read, write, transaction), from its preparation to its last row.
    public static func statement(kind: String, duration: Duration) {
        guard enabled else { return }
        registry.makeDurationHistogram(name: "connections_db_statement_duration_seconds", labels: [("kind", kind)],
                                       buckets: durationBuckets, help: "Database statement durations by kind (read, write, begin).")
            .record(duration)
    }

    /// An answer the app refused to give now (503, 429) and why (busy, unreachable, rate_limit, ...).
    public static func refusal(status: Int, reason: String) {
        guard enabled else { return }
        registry.makeCounter(name: "connections_refusals_total", labels: [("status", String(status)), ("reason", reason)],
                             help: "Requests answered 503 or 429, by reason.").increment()
    }

    /// A write that waited for the write gate (SQLite's one writer, PostgreSQL's locks), and whether it was refused.
    public static func writeGate(waited: Duration, refused: Bool) {
        guard enabled else { return }
        registry.makeDurationHistogram(name: "connections_write_gate_wait_seconds", labels: [("outcome", refused ? "refused" : "admitted")],
                                       buckets: durationBuckets, help: "Time a write waited to begin its transaction, by outcome.")
            .record(waited)
    }

    /// Something counted by outcome: sign-ins ("failed", "succeeded"), join requests, emails sent.
    public static func event(_ name: String, outcome: String) {
        guard enabled else { return }
        registry.makeCounter(name: "connections_\(name)_total", labels: [("outcome", outcome)],
                             help: eventHelp[name] ?? "Events by outcome.").increment()
    }

    static let eventHelp = [
        "sign_ins": "Sign-in attempts by outcome.",
        "join_requests": "Drivers' join requests by outcome.",
        "emails": "Emails handed to the SMTP server, by outcome.",
    ]

    static let processStart = Date().timeIntervalSince1970

    /// The exposition text, with the process's own gauges read now.
    public static func exposition() -> [UInt8] {
        registry.makeGauge(name: "process_start_time_seconds", labels: [], help: "Start time of the process since the Unix epoch, in seconds.")
            .set(processStart)
        if let resident = ProcessFacts.residentBytes() {
            registry.makeGauge(name: "process_resident_memory_bytes", labels: [], help: "Resident memory size in bytes.").set(Double(resident))
        }
        registry.makeGauge(name: "process_open_fds", labels: [], help: "Number of open file descriptors.").set(Double(ProcessFacts.openDescriptors()))
        return registry.emitToBuffer()
    }
}
