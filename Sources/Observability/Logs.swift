@_exported import Logging

/// The process's loggers: every layer logs through `Logs.process` or a copy of it that carries a
/// request's metadata (`request_id`, `route`, ...); `Logs.start` picks the level (`--log-level`).
public enum Logs {
    /// Once per process, before any logger is made: the JSON handler on standard error.
    public static func start(level: Logger.Level) {
        LoggingSystem.bootstrap { _ in JSONLogHandler(level: level) }
        started = true
    }

    nonisolated(unsafe) private static var started = false

    /// The logger outside any request (start, stop, background work). Before `start` (the unit
    /// tests, the one-shot commands) swift-log's default handler, warnings and worse only: a line
    /// per request would drown a test's output.
    public static var process: Logger {
        var logger = Logger(label: "connections")
        if !started { logger.logLevel = .warning }
        return logger
    }

    /// The levels `--log-level` takes, in swift-log's words.
    public static let levels = Logger.Level.allCases.map(\.rawValue)
}
