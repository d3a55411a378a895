import Foundation

/// Where the data lives: a SQLite file (the embedded default) or a PostgreSQL server named by a
/// libpq connection URI (`postgres://` or `postgresql://`).
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(uri: String)

    /// A `--database` value: a URI with a PostgreSQL scheme, otherwise a file path.
    public init(_ text: String) {
        let lowered = text.lowercased()
        self = lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://") ? .postgres(uri: text) : .sqlite(path: text)
    }

    public var isPostgres: Bool {
        if case .postgres = self { return true }
        return false
    }

    /// For logs and messages: a password in the URI is never shown.
    public var description: String {
        switch self {
        case .sqlite(let path): return path
        case .postgres(let uri): return Self.withoutPassword(uri)
        }
    }

    /// `text` with the password of `uri` (as written, and percent-decoded) replaced by `***`.
    static func redacting(_ text: String, passwordOf uri: String) -> String {
        var secrets: [String] = []
        if let schemeEnd = uri.range(of: "://") {
            let rest = uri[schemeEnd.upperBound...]
            let authority = rest.prefix { $0 != "/" && $0 != "?" }
            if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
                secrets.append(String(authority[authority.index(after: colon)..<at]))
            }
        }
        for part in uri.split(whereSeparator: { $0 == "?" || $0 == "&" }) where part.lowercased().hasPrefix("password=") {
            secrets.append(String(part.dropFirst("password=".count)))
        }
        secrets += secrets.compactMap { $0.removingPercentEncoding }
        return secrets.filter { !$0.isEmpty }.sorted { $0.count > $1.count }.reduce(text) { $0.replacingOccurrences(of: $1, with: "***") }
    }

    /// `scheme://user:secret@host/db` -> `scheme://user:***@host/db`; a `password=` query parameter likewise.
    static func withoutPassword(_ uri: String) -> String {
        guard let schemeEnd = uri.range(of: "://") else { return uri }
        var rest = uri[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        var authority = String(rest[..<authorityEnd])
        if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
            authority = authority[..<colon] + ":***" + authority[at...]
        }
        rest = rest[authorityEnd...]
        let query = rest.split(separator: "&", omittingEmptySubsequences: false).map { part -> String in
            let lowered = part.lowercased()
            return lowered.hasPrefix("password=") || lowered.hasPrefix("?password=") ? part.prefix(while: { $0 != "=" }) + "=***" : String(part)
        }.joined(separator: "&")
        return uri[..<schemeEnd.upperBound] + authority + query
    }
}
