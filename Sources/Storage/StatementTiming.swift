import Observability

extension Database {
    /// Statements slower than this are logged (warning) with the request's id.
    public static let slowStatementMilliseconds = 500

    /// Runs one statement (or a transaction's wait for its lock) and records how long it took, by
    /// kind: `connections_db_statement_duration_seconds`, and a log line when it was slow.
    func timed<T>(_ kind: String, sql: @autoclosure () -> String, _ body: () throws -> T) rethrows -> T {
        let started = ContinuousClock.now
        defer {
            let took = ContinuousClock.now - started
            Telemetry.statement(kind: kind, duration: took)
            if took > .milliseconds(Self.slowStatementMilliseconds) {
                logger.warning("slow statement", metadata: ["kind": .string(kind), "duration_ms": .stringConvertible(took.milliseconds),
                                                             "sql": .string(String(sql().prefix(300)))])
            }
        }
        return try body()
    }
}

extension Duration {
    /// Whole and fractional milliseconds, for log lines.
    public var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}
