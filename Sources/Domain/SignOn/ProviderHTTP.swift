import CCurl
import Foundation

/// The identity provider's three HTTP calls (discovery, JWKS, token exchange), over libcurl: short
/// timeouts so a provider that is down answers the sign-in page in seconds, redirects not followed,
/// http and https only, answers read up to 1 MiB as JSON.
public struct ProviderHTTP: Sendable {
    public var connectTimeout = 5
    public var timeout = 10
    static let largestAnswer = 1 << 20

    public init() {}

    /// Why a call gave no usable answer; the message names the provider's address.
    public struct Failure: Error, Equatable, Sendable {
        public let message: String
    }

    private static let initialized: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    /// GET `url`, its JSON object.
    public func get(_ url: String) throws(Failure) -> JSON {
        try call(url, form: nil, basic: nil)
    }

    /// POST `form` (application/x-www-form-urlencoded) to `url` with HTTP Basic client credentials, its JSON object.
    public func post(_ url: String, form: [(String, String)], basic: (user: String, password: String)) throws(Failure) -> JSON {
        try call(url, form: form, basic: basic)
    }

    private func call(_ url: String, form: [(String, String)]?, basic: (user: String, password: String)?) throws(Failure) -> JSON {
        guard Self.initialized, let handle = curl_easy_init() else { throw Failure(message: "libcurl could not start") }
        defer { curl_easy_cleanup(handle) }
        let answer = Answer()
        let context = Unmanaged.passRetained(answer)
        defer { context.release() }
        var headers = curl_slist_append(nil, "Accept: application/json")
        defer { curl_slist_free_all(headers) }
        var failed = CURLE_OK
        func set(_ result: CURLcode) { if failed == CURLE_OK { failed = result } }
        set(ccurl_set_text(handle, CURLOPT_URL, url))
        set(ccurl_set_text(handle, CURLOPT_PROTOCOLS_STR, "http,https"))
        set(ccurl_set_long(handle, CURLOPT_NOSIGNAL, 1))
        set(ccurl_set_long(handle, CURLOPT_CONNECTTIMEOUT, connectTimeout))
        set(ccurl_set_long(handle, CURLOPT_TIMEOUT, timeout))
        set(ccurl_set_write_function(handle, CURLOPT_WRITEFUNCTION, keepAnswer))
        set(ccurl_set_pointer(handle, CURLOPT_WRITEDATA, context.toOpaque()))
        if let form, let basic {
            // HTTP Basic (libcurl's default with a user name); RFC 6749 §2.3.1: id and secret form-encoded first.
            set(ccurl_set_text(handle, CURLOPT_USERNAME, Self.formEncoded(basic.user)))
            set(ccurl_set_text(handle, CURLOPT_PASSWORD, Self.formEncoded(basic.password)))
            set(ccurl_set_text(handle, CURLOPT_COPYPOSTFIELDS, form.map { Self.formEncoded($0.0) + "=" + Self.formEncoded($0.1) }.joined(separator: "&")))
            headers = curl_slist_append(headers, "Content-Type: application/x-www-form-urlencoded")
        }
        set(ccurl_set_pointer(handle, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(headers)))
        guard failed == CURLE_OK else { throw Failure(message: "libcurl refused a setting: \(String(cString: curl_easy_strerror(failed)))") }
        let result = curl_easy_perform(handle)
        guard result == CURLE_OK else {
            let why = answer.tooLarge ? "its answer is over 1 MiB" : String(cString: curl_easy_strerror(result))
            throw Failure(message: "\(Self.shown(url)) did not answer (\(why))")
        }
        var status = 0
        _ = ccurl_response_code(handle, &status)
        let json = try? JSON.parse(answer.bytes, limits: .init(membersPerObject: 1_000, values: 100_000))
        guard status == 200, let json, json.members != nil else {
            let said = json?["error_description"]?.string ?? json?["error"]?.string
            throw Failure(message: "\(Self.shown(url)) answered \(status)" + (said.map { ": \(String($0.prefix(200)))" } ?? " without a JSON object"))
        }
        return json
    }

    /// An address for a message: without its query.
    static func shown(_ url: String) -> String {
        String(url.prefix { $0 != "?" }.prefix(200))
    }

    static func formEncoded(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(.init(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}

/// The answer libcurl writes as it reads.
private final class Answer {
    var bytes: [UInt8] = []
    var tooLarge = false
}

private func keepAnswer(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?) -> Int {
    guard let data, let context else { return 0 }
    let answer = Unmanaged<Answer>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    guard answer.bytes.count + length <= ProviderHTTP.largestAnswer else {
        answer.tooLarge = true
        return 0
    }
    answer.bytes += UnsafeRawBufferPointer(start: data, count: length)
    return length
}
