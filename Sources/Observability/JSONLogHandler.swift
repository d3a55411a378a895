import Foundation
import Logging

/// One JSON object per line on standard error: timestamp, level, message, process, then the
/// logger's metadata (request_id, route, status, duration_ms, user_id, organization_id, ...), so a
/// log collector reads every field without a parser of its own and one request id joins the lines
/// of every process.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level

    public init(level: Logger.Level) {
        logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = metadata
        if let provided = metadataProvider?.get() { fields.merge(provided) { $1 } }
        if let given = event.metadata { fields.merge(given) { $1 } }
        var line = Self.line(at: Date(), level: event.level, message: event.message.description, fields: fields)
        line.append(UInt8(ascii: "\n"))
        // One write(2) per line: lines of different threads and processes never interleave.
        line.withUnsafeBytes { _ = Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }

    static let process = Int(getpid())

    /// The line without its newline; numbers stay numbers, everything else is a string.
    public static func line(at date: Date, level: Logger.Level, message: String, fields: Logger.Metadata) -> [UInt8] {
        var out = "{\"timestamp\":\"\(timestamp(date))\","
        out += "\"level\":\"\(level.rawValue)\",\"process\":\(process),\"message\":"
        out += quoted(message)
        for key in fields.keys.sorted() {
            out += "," + quoted(key) + ":" + value(fields[key]!)
        }
        out += "}"
        return Array(out.utf8)
    }

    /// 2026-12-08T05:04:03.123Z, by arithmetic: Foundation's ISO 8601 style costs a request's log line
    /// more than the rest of it.
    static func timestamp(_ date: Date) -> String {
        let milliseconds = Int((date.timeIntervalSince1970 * 1000).rounded(.down))
        var seconds = milliseconds / 1000
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let fraction = milliseconds % 1000
        let millis = fraction < 10 ? "00\(fraction)" : fraction < 100 ? "0\(fraction)" : "\(fraction)"
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(millis)Z"
    }

    private static func value(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let text): return quoted(text)
        case .stringConvertible(let number as any BinaryInteger): return "\(number)"
        case .stringConvertible(let number as Double) where number.isFinite: return "\(number)"
        case .stringConvertible(let other): return quoted(other.description)
        case .array(let items): return "[" + items.map(Self.value).joined(separator: ",") + "]"
        case .dictionary(let items): return "{" + items.keys.sorted().map { quoted($0) + ":" + Self.value(items[$0]!) }.joined(separator: ",") + "}"
        }
    }

    /// A JSON string: quotes, backslashes and control characters escaped.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
