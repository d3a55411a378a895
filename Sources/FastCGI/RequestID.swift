import Foundation

/// A request's id: nginx's $request_id (32 hex digits), passed as the FastCGI parameter
/// HTTP_X_REQUEST_ID (nginx/fastcgi-app.conf). Anything else a peer sends is replaced by one made
/// here, so a log line never carries what a client chose to write into it.
public struct RequestID: Sendable {
    public let text: String

    init?(checking text: String) {
        guard (8...64).contains(text.utf8.count), text.utf8.allSatisfy({ $0.isHexDigit }) else { return nil }
        self.text = text
    }

    private init(made text: String) { self.text = text }

    /// 32 random hex digits, as nginx makes them.
    static func make() -> RequestID {
        var generator = SystemRandomNumberGenerator()
        return RequestID(made: (0..<2).map { _ in String(format: "%016llx", generator.next() as UInt64) }.joined())
    }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool { (48...57).contains(self) || (97...102).contains(self) || (65...70).contains(self) }
}
