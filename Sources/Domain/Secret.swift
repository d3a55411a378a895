import Storage

/// A secret the app hands out (a session or device cookie, a status, confirmation or unsubscribe
/// link, an API token): 256 random bits as URL-safe text. Only its SHA-256 is stored, so a copy of
/// the database (a backup, a replica) hands out nothing that works; 256 random bits need no slow
/// hash. Stored hashes are found by an indexed lookup; any other comparison is `matches`.
/// Invite links and search codes are public by design (printed, shared as QR codes): not secrets.
public enum Secret {
    /// 256 bits from the system's CSPRNG, base64url without padding (43 characters).
    public static func generate() -> String {
        var random = SystemRandomNumberGenerator()
        return generate(using: &random)
    }

    static func generate(using random: inout some RandomNumberGenerator) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for _ in 0..<4 { withUnsafeBytes(of: random.next()) { bytes.append(contentsOf: $0) } }
        return Base64URL.encode(bytes)
    }

    /// What is stored for a secret: its SHA-256 in lowercase hex (SQL's `sha256_hex`).
    public static func hash(_ secret: some StringProtocol) -> String {
        SHA256.hex(String(secret))
    }

    /// Whether two texts are equal, taking the same time wherever they first differ, so the time
    /// taken tells a guesser nothing of the expected value.
    public static func matches(_ given: some StringProtocol, _ expected: some StringProtocol) -> Bool {
        given.utf8.count == expected.utf8.count && zip(given.utf8, expected.utf8).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
