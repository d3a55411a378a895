import CCurl
import Foundation

/// Sends one webhook over libcurl as Standard Webhooks says: a POST of the JSON body with
/// `webhook-id`, `webhook-timestamp` and `webhook-signature`; a whole-request timeout; no
/// redirects followed, no proxy; to the address checked by `WebhookAddress`; at most 1 KiB of the
/// answer read (the transfer stops there). One per sender thread: it keeps its connections.
public final class WebhookSender {
    private let handle: UnsafeMutableRawPointer
    public let timeout: Int
    public let allowPrivate: Bool
    /// The part of an answer kept for the delivery log.
    public static let keptAnswer = 1024

    private static let initialized: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    public init(timeout: Int, allowPrivate: Bool) throws {
        guard Self.initialized, let handle = curl_easy_init() else { throw UserError.unavailable("libcurl could not start") }
        self.handle = handle
        self.timeout = timeout
        self.allowPrivate = allowPrivate
    }

    deinit { curl_easy_cleanup(handle) }

    public func send(_ message: WebhookMessage, now: Date = Date()) -> WebhookAttempt {
        guard let url = URL(string: message.url), let host = url.host else {
            return WebhookAttempt(delivered: false, retryable: false, error: "not an URL")
        }
        let port = url.port ?? (message.url.lowercased().hasPrefix("https://") ? 443 : 80)
        let addresses: [String]
        switch WebhookAddress.resolve(host, allowPrivate: allowPrivate) {
        case .failure(let refusal):
            if case .unresolved = refusal { return WebhookAttempt(delivered: false, retryable: true, error: refusal.message) }
            return WebhookAttempt(delivered: false, retryable: false, error: refusal.message)
        case .success(let found): addresses = found
        }
        let timestamp = Int(now.timeIntervalSince1970)
        let body = Array(message.body.utf8)
        let signature = WebhookSignature.header(id: message.messageID, timestamp: timestamp, body: body, secrets: message.secrets)
        var headers: UnsafeMutablePointer<curl_slist>?
        for line in ["Content-Type: application/json", "User-Agent: Connections-Webhooks/1", "webhook-id: \(message.messageID)",
                     "webhook-timestamp: \(timestamp)", "webhook-signature: \(signature)", "Expect:"] {
            headers = curl_slist_append(headers, line)
        }
        defer { curl_slist_free_all(headers) }
        // The checked address, pinned: libcurl resolves nothing itself.
        let pinned = curl_slist_append(nil, "\(host):\(port):\(addresses[0].contains(":") ? "[\(addresses[0])]" : addresses[0])")
        defer { curl_slist_free_all(pinned) }
        let answer = Answer()
        let context = Unmanaged.passRetained(answer)
        defer { context.release() }
        curl_easy_reset(handle)
        var failed = CURLE_OK
        func set(_ result: CURLcode) { if failed == CURLE_OK { failed = result } }
        set(ccurl_set_text(handle, CURLOPT_URL, message.url))
        set(ccurl_set_text(handle, CURLOPT_PROTOCOLS_STR, "http,https"))
        set(ccurl_set_pointer(handle, CURLOPT_RESOLVE, pinned))
        set(ccurl_set_text(handle, CURLOPT_NOPROXY, "*"))
        set(ccurl_set_long(handle, CURLOPT_FOLLOWLOCATION, 0))
        set(ccurl_set_long(handle, CURLOPT_NOSIGNAL, 1))
        set(ccurl_set_long(handle, CURLOPT_CONNECTTIMEOUT, min(timeout, 10)))
        set(ccurl_set_long(handle, CURLOPT_TIMEOUT, timeout))
        set(ccurl_set_long(handle, CURLOPT_POST, 1))
        set(ccurl_set_pointer(handle, CURLOPT_HTTPHEADER, headers))
        set(ccurl_set_size(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)))
        set(ccurl_set_write_function(handle, CURLOPT_WRITEFUNCTION, keepAnswer))
        set(ccurl_set_pointer(handle, CURLOPT_WRITEDATA, context.toOpaque()))
        set(ccurl_set_write_function(handle, CURLOPT_HEADERFUNCTION, keepHeader))
        set(ccurl_set_pointer(handle, CURLOPT_HEADERDATA, context.toOpaque()))
        guard failed == CURLE_OK else {
            return WebhookAttempt(delivered: false, retryable: true, error: "libcurl refused a setting: \(String(cString: curl_easy_strerror(failed)))")
        }
        let started = ContinuousClock.now
        let result = body.withUnsafeBufferPointer { bytes in
            _ = ccurl_set_pointer(handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress))
            return curl_easy_perform(handle)
        }
        let elapsed = ContinuousClock.now - started
        let milliseconds = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        var code = 0
        _ = ccurl_response_code(handle, &code)
        // A write error after an answer began is the bound on the answer: the status stands.
        guard result == CURLE_OK || (result == CURLE_WRITE_ERROR && code > 0) else {
            return WebhookAttempt(delivered: false, retryable: true, error: String(cString: curl_easy_strerror(result)), latencyMilliseconds: milliseconds)
        }
        let text = String(decoding: answer.bytes, as: UTF8.self)
        return .answered(code, body: WebhookOutbox.bounded(text, Self.keptAnswer), latencyMilliseconds: milliseconds, retryAfter: answer.retryAfter)
    }
}

private final class Answer {
    var bytes: [UInt8] = []
    var retryAfter: TimeInterval?
}

private func keepAnswer(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?) -> Int {
    guard let data, let context else { return 0 }
    let answer = Unmanaged<Answer>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    let room = WebhookSender.keptAnswer - answer.bytes.count
    guard room > 0 else { return 0 }
    answer.bytes += UnsafeRawBufferPointer(start: data, count: min(length, room))
    // Past the bound: stop the transfer (libcurl ends with a write error; the status stands).
    return length <= room ? length : 0
}

private func keepHeader(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?) -> Int {
    guard let data, let context else { return 0 }
    let line = String(decoding: UnsafeRawBufferPointer(start: data, count: size * count), as: UTF8.self)
    if line.lowercased().hasPrefix("retry-after:") {
        let value = line.dropFirst("retry-after:".count).trimmingCharacters(in: .whitespacesAndNewlines)
        // Seconds only (an HTTP date is read as no hint); at most a day.
        if let seconds = Int(value), seconds >= 0 { Unmanaged<Answer>.fromOpaque(context).takeUnretainedValue().retryAfter = TimeInterval(min(seconds, 86_400)) }
    }
    return size * count
}
