import CCurl
import Foundation

/// Where and how email is sent: `serve --smtp-url … --mail-from …`.
public struct SMTPSettings: Sendable, Equatable {
    /// smtp://host:port (STARTTLS) or smtps://host:port (TLS from the start), without credentials.
    public let url: String
    public let username: String?
    /// From a file or the environment, never the command line; never logged.
    public let password: String?
    /// The envelope sender, and the From address of every email (its name: the host's, for drivers).
    public let from: MailAddress
    /// smtp:// only: refuse a server that does not offer STARTTLS (true), or send in the clear to one
    /// that does not (false: a relay on this machine).
    public let requireSTARTTLS: Bool
    /// Certificates to trust besides the system's (a private CA, a test server).
    public let caFile: String?
    /// Seconds to connect, and for a whole message.
    public let connectTimeout: Int
    public let timeout: Int

    public init(url: String, username: String?, password: String?, from: MailAddress, requireSTARTTLS: Bool = true, caFile: String? = nil,
                connectTimeout: Int = 10, timeout: Int = 30) throws {
        let lowered = url.lowercased()
        guard lowered.hasPrefix("smtp://") || lowered.hasPrefix("smtps://"), let parsed = URL(string: url), parsed.host != nil else {
            throw UserError.badRequest("--smtp-url must look like smtp://host:587 or smtps://host:465")
        }
        guard parsed.user == nil, parsed.password == nil else {
            throw UserError.badRequest("--smtp-url must not hold credentials: give --smtp-user, and the password in --smtp-password-file "
                                       + "or CONNECTIONS_SMTP_PASSWORD")
        }
        self.url = url
        self.username = username
        self.password = password
        self.from = from
        self.requireSTARTTLS = requireSTARTTLS
        self.caFile = caFile
        self.connectTimeout = connectTimeout
        self.timeout = timeout
    }

    /// The domain of the From address, for Message-IDs.
    public var domain: String { String(from.address.split(separator: "@").last ?? "localhost") }
}

/// Why a message was not sent.
public enum SMTPFailure: Error, Sendable, Equatable {
    /// The server refused this message for now (4xx): try it again later.
    case temporary(String)
    /// The server refused this message for good (5xx: no such mailbox, a policy).
    case permanent(String)
    /// No conversation: the server is down or unreachable, TLS or the login failed, a timeout.
    /// Nothing is wrong with the message; the sender waits before trying any other.
    case unreachable(String)

    public var message: String {
        switch self {
        case .temporary(let text), .permanent(let text), .unreachable(let text): return text
        }
    }
}

/// Sends messages over SMTP with libcurl: STARTTLS or SMTPS, AUTH with whatever mechanism the
/// server offers, timeouts. One per thread; it keeps its connection open between messages.
public final class SMTPTransport {
    private let handle: UnsafeMutableRawPointer
    private let settings: SMTPSettings
    /// libcurl's words for the last failure.
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)

    private static let initialized: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    public init(settings: SMTPSettings) throws {
        guard Self.initialized, let handle = curl_easy_init() else { throw SMTPFailure.unreachable("libcurl could not start") }
        self.handle = handle
        self.settings = settings
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// Sends one message to one recipient.
    public func send(_ message: [UInt8], to recipient: String) throws(SMTPFailure) {
        let upload = Upload(message)
        let context = Unmanaged.passRetained(upload)
        defer { context.release() }
        let recipients = curl_slist_append(nil, "<\(recipient)>")
        defer { curl_slist_free_all(recipients) }
        curl_easy_reset(handle)
        errorBuffer[0] = 0
        let scheme = settings.url.lowercased().hasPrefix("smtps://")
        var failed = CURLE_OK
        func set(_ result: CURLcode) { if failed == CURLE_OK { failed = result } }
        set(ccurl_set_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer))
        set(ccurl_set_text(handle, CURLOPT_URL, settings.url))
        set(ccurl_set_text(handle, CURLOPT_PROTOCOLS_STR, "smtp,smtps"))
        set(ccurl_set_long(handle, CURLOPT_NOSIGNAL, 1))
        set(ccurl_set_long(handle, CURLOPT_USE_SSL, Int(scheme || settings.requireSTARTTLS ? CURLUSESSL_ALL.rawValue : CURLUSESSL_TRY.rawValue)))
        if let caFile = settings.caFile { set(ccurl_set_text(handle, CURLOPT_CAINFO, caFile)) }
        if let username = settings.username { set(ccurl_set_text(handle, CURLOPT_USERNAME, username)) }
        if let password = settings.password { set(ccurl_set_text(handle, CURLOPT_PASSWORD, password)) }
        set(ccurl_set_text(handle, CURLOPT_MAIL_FROM, "<\(settings.from.address)>"))
        set(ccurl_set_pointer(handle, CURLOPT_MAIL_RCPT, recipients))
        set(ccurl_set_long(handle, CURLOPT_CONNECTTIMEOUT, settings.connectTimeout))
        set(ccurl_set_long(handle, CURLOPT_TIMEOUT, settings.timeout))
        set(ccurl_set_long(handle, CURLOPT_UPLOAD, 1))
        set(ccurl_set_read_function(handle, readMessage))
        set(ccurl_set_pointer(handle, CURLOPT_READDATA, context.toOpaque()))
        // The server's own words for a refusal ("451 4.3.0 Mailbox busy"), for the Admins' list of failures.
        set(ccurl_set_long(handle, CURLOPT_VERBOSE, 1))
        set(ccurl_set_debug_function(handle, keepServerReply))
        set(ccurl_set_pointer(handle, CURLOPT_DEBUGDATA, context.toOpaque()))
        guard failed == CURLE_OK else { throw .unreachable("libcurl refused a setting: \(String(cString: curl_easy_strerror(failed)))") }

        let result = curl_easy_perform(handle)
        guard result != CURLE_OK else { return }
        var code = 0
        _ = ccurl_response_code(handle, &code)
        let detail = String(cString: errorBuffer)
        let curlText = detail.isEmpty ? String(cString: curl_easy_strerror(result)) : detail
        let text = code > 0 && !upload.lastRefusal.isEmpty ? "\(upload.lastRefusal) (\(curlText))" : curlText
        switch (result, code) {
        case (CURLE_LOGIN_DENIED, _), (_, 0): throw .unreachable(text)
        case (_, 400..<500): throw .temporary(text)
        case (_, 500..<600): throw .permanent(text)
        default: throw .unreachable(text)
        }
    }
}

/// The message libcurl reads as it uploads, and the server's last reply.
private final class Upload {
    let bytes: [UInt8]
    var offset = 0
    /// The server's latest refusal (4xx, 5xx): QUIT's "221 Bye" comes after it.
    var lastRefusal = ""

    init(_ bytes: [UInt8]) { self.bytes = bytes }
}

private func readMessage(_ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?) -> Int {
    guard let buffer, let context else { return 0 }
    let upload = Unmanaged<Upload>.fromOpaque(context).takeUnretainedValue()
    let length = min(size * count, upload.bytes.count - upload.offset)
    upload.bytes.withUnsafeBufferPointer { bytes in
        UnsafeMutableRawPointer(buffer).copyMemory(from: bytes.baseAddress! + upload.offset, byteCount: length)
    }
    upload.offset += length
    return length
}

/// Keeps the server's latest refusal; nothing the client sends (AUTH carries the password) is looked at.
private func keepServerReply(_ handle: UnsafeMutableRawPointer?, _ type: curl_infotype, _ data: UnsafeMutablePointer<CChar>?, _ size: Int,
                             _ context: UnsafeMutableRawPointer?) -> Int32 {
    guard type == CURLINFO_HEADER_IN, let data, let context else { return 0 }
    let line = String(decoding: UnsafeRawBufferPointer(start: data, count: size), as: UTF8.self)
    guard line.hasPrefix("4") || line.hasPrefix("5") else { return 0 }
    Unmanaged<Upload>.fromOpaque(context).takeUnretainedValue().lastRefusal = String(line.trimmingCharacters(in: .whitespacesAndNewlines).prefix(300))
    return 0
}
