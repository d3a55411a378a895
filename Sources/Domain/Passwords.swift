import CCrypt
import Foundation

/// Password hashes with yescrypt (libxcrypt): slow and salted, and self-describing, so a
/// stored hash names its own algorithm and cost.
public enum Passwords {
    public static let minimumLength = 12
    public static let maximumBytes = 1024

    /// Checks a new password. Control characters (Unicode's Cc: NUL, tab, line breaks, DEL…) are
    /// refused first: crypt(3) takes a C string and would cut the password at a NUL, and the others
    /// are invisible and differ between keyboards and clipboards. The length is checked after,
    /// on the text that will be stored.
    public static func requireAcceptable(_ password: String) throws {
        guard !password.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw UserError.badRequest("The password cannot contain control characters such as tabs, line breaks or NUL.")
        }
        guard password.count >= minimumLength, password.utf8.count <= maximumBytes else {
            throw UserError.badRequest("The password must be at least \(minimumLength) characters long (and at most \(maximumBytes) bytes).")
        }
    }

    /// Hashes a password `requireAcceptable` accepted; one with a NUL is a programming error.
    public static func hash(_ password: String) -> String {
        precondition(!password.utf8.contains(0), "a password with NUL cannot be hashed: crypt(3) would cut it there")
        var salt = [CChar](repeating: 0, count: Int(CRYPT_GENSALT_OUTPUT_SIZE))
        // A nil random source lets libxcrypt draw the salt from the system's CSPRNG.
        guard crypt_gensalt_rn("$y$", 0, nil, 0, &salt, Int32(salt.count)) != nil else {
            preconditionFailure("yescrypt is not available in libcrypt")
        }
        return crypt(password, setting: salt)
    }

    /// Compares in time independent of where the strings differ.
    /// A password with a NUL is never right (crypt(3) would compare only what precedes it), though
    /// it takes the time of a verification.
    public static func verify(_ password: String, against stored: String) -> Bool {
        guard !password.utf8.contains(0) else {
            verifyNothing("")
            return false
        }
        let computed = crypt(password, setting: Array(stored.utf8CString))
        return stored.hasPrefix("$") && Secret.matches(computed, stored)
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
