import CCrypt
import Foundation

/// Password hashes with yescrypt (libxcrypt): slow and salted, and self-describing, so a
/// stored hash names its own algorithm and cost.
public enum Passwords {
    public static let minimumLength = 12

    public static func hash(_ password: String) -> String {
        var salt = [CChar](repeating: 0, count: Int(CRYPT_GENSALT_OUTPUT_SIZE))
        // A nil random source lets libxcrypt draw the salt from the system's CSPRNG.
        guard crypt_gensalt_rn("$y$", 0, nil, 0, &salt, Int32(salt.count)) != nil else {
            preconditionFailure("yescrypt is not available in libcrypt")
        }
        return crypt(password, setting: salt)
    }

    /// Compares in time independent of where the strings differ.
    public static func verify(_ password: String, against stored: String) -> Bool {
        let computed = Array(crypt(password, setting: Array(stored.utf8CString)).utf8)
        let expected = Array(stored.utf8)
        guard computed.count == expected.count, stored.hasPrefix("$") else { return false }
        return zip(computed, expected).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// Spends the time of a verification, so an unknown email answers as slowly as a known one.
    public static func verifyNothing(_ password: String) {
        _ = verify(password, against: decoy)
    }

    private static let decoy = hash("decoy password of no account")

    private static func crypt(_ password: String, setting: [CChar]) -> String {
        let data = UnsafeMutablePointer<crypt_data>.allocate(capacity: 1)
        defer { data.deallocate() }
        memset(data, 0, MemoryLayout<crypt_data>.size)
        guard let result = crypt_r(password, setting, data) else { return "*" }
        return String(cString: result)
    }
}
