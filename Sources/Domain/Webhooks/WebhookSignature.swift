import COpenSSL
import Foundation

/// Standard Webhooks signing (https://www.standardwebhooks.com): a secret is `whsec_` + base64 of
/// random bytes; a signature is `v1,` + base64 of HMAC-SHA256(key, "id.timestamp.body"), several
/// separated by spaces (during a rotation, the new secret's and the old one's).
public enum WebhookSignature {
    public static let prefix = "whsec_"

    /// A new secret: 24 random bytes (as the reference libraries draw them).
    public static func newSecret() -> String {
        var random = SystemRandomNumberGenerator()
        let bytes = (0..<24).map { _ in UInt8.random(in: 0...255, using: &random) }
        return prefix + Data(bytes).base64EncodedString()
    }

    /// The HMAC key of a secret, nil when it is not one.
    public static func key(of secret: String) -> [UInt8]? {
        guard secret.hasPrefix(prefix), let data = Data(base64Encoded: String(secret.dropFirst(prefix.count))), !data.isEmpty else { return nil }
        return Array(data)
    }

    /// One `v1,...` signature of a message.
    public static func sign(id: String, timestamp: Int, body: [UInt8], secret: String) -> String? {
        guard let key = key(of: secret) else { return nil }
        let message = Array("\(id).\(timestamp).".utf8) + body
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard HMAC(EVP_sha256(), key, Int32(key.count), message, message.count, &digest, &length) != nil else { return nil }
        return "v1," + Data(digest.prefix(Int(length))).base64EncodedString()
    }

    /// The `webhook-signature` header: each secret's signature, space separated.
    public static func header(id: String, timestamp: Int, body: [UInt8], secrets: [String]) -> String {
        secrets.compactMap { sign(id: id, timestamp: timestamp, body: body, secret: $0) }.joined(separator: " ")
    }
}
