import Foundation

/// Minimal line logger on standard error; nginx keeps the access log.
public enum Log {
    public static func info(_ message: @autoclosure () -> String) { write("info", message()) }
    public static func error(_ message: @autoclosure () -> String) { write("error", message()) }

    private static func write(_ level: String, _ message: String) {
        let line = "\(Date().formatted(.iso8601)) \(level) \(message)\n"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
