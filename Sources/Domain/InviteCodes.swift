/// Invite tokens and search codes. Generic over the random source so that demo
/// data is reproducible while real connections draw from the system's CSPRNG.
public enum InviteCodes {
    /// The path of a driver's invite link, before its token: `https://host/join/TOKEN`.
    public static let linkPath = "/join/"
    /// Easy to read aloud: no 0/O, 1/I/L. Must match the schema's GLOB.
    public static let searchCodeAlphabet = Array("ABCDEFGHJKMNPQRSTUVWXYZ23456789")
    public static let searchCodeLength = 8

    /// 128 random bits as base64url without padding (22 characters).
    public static func inviteToken(using random: inout some RandomNumberGenerator) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        for _ in 0..<2 { withUnsafeBytes(of: random.next()) { bytes.append(contentsOf: $0) } }
        return Base64URL.encode(bytes)
    }

    public static func searchCode(using random: inout some RandomNumberGenerator) -> String {
        String((0..<searchCodeLength).map { _ in searchCodeAlphabet.randomElement(using: &random)! })
    }

    /// What a driver typed, in stored form: upper case, spaces and dashes dropped.
    public static func normalizeSearchCode(_ typed: String) -> String {
        String(typed.uppercased().filter { !$0.isWhitespace && $0 != "-" })
    }
}

/// SplitMix64: small, fast and deterministic, for demo data only.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
