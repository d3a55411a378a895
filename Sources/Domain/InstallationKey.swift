import COpenSSL
import Foundation
import Glibc

/// The installation's key for settings stored sealed (the SMTP password): 256 random bits in a
/// file of its own, made at first start with mode 0600, never in the database, so a copy of the
/// database (a backup, a replica) reads no sealed value. Sealing is AES-256-GCM from OpenSSL's
/// libcrypto: a random 96-bit nonce per value, and what the value is (its `context`) bound in as
/// associated data, so a sealed value cannot be moved to another place and opened there.
public struct InstallationKey: Sendable {
    let bytes: [UInt8]

    /// Why a sealed value did not open: changed, made with another key, or not a sealed value.
    public struct Unreadable: Error, Equatable {}

    public init(bytes: [UInt8]) {
        precondition(bytes.count == 32, "an installation key is 32 bytes")
        self.bytes = bytes
    }

    /// 32 bytes from OpenSSL's CSPRNG.
    public static func generate() -> InstallationKey {
        InstallationKey(bytes: random(32))
    }

    /// The key in `path` (base64url text), made there first if the file does not exist.
    public static func loadOrCreate(at path: String) throws -> InstallationKey {
        if !FileManager.default.fileExists(atPath: path) {
            let key = generate()
            // O_EXCL: two processes starting at once both end up reading the one file that won.
            let descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
            if descriptor >= 0 {
                let text = Array((Base64URL.encode(key.bytes) + "\n").utf8)
                let written = text.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
                close(descriptor)
                guard written == text.count else { throw UserError.badRequest("The installation key \(path) could not be written.") }
            } else if errno != EEXIST {
                throw UserError.badRequest("The installation key \(path) could not be created: \(String(cString: strerror(errno))).")
            }
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
              let bytes = Base64URL.decode(text.trimmingCharacters(in: .whitespacesAndNewlines)), bytes.count == 32 else {
            throw UserError.badRequest("The installation key \(path) cannot be read: it must hold 32 bytes in base64url.")
        }
        return InstallationKey(bytes: bytes)
    }

    static let nonceLength = 12, tagLength = 16, version: UInt8 = 1

    /// version (1) ‖ nonce (12) ‖ ciphertext ‖ tag (16).
    public func seal(_ plaintext: [UInt8], context: String) -> [UInt8] {
        let nonce = Self.random(Self.nonceLength)
        var ciphertext = [UInt8](repeating: 0, count: plaintext.count)
        var tag = [UInt8](repeating: 0, count: Self.tagLength)
        let done = cipher(encrypt: true, nonce: nonce, context: context, input: plaintext, output: &ciphertext, tag: &tag)
        precondition(done, "AES-256-GCM failed to seal")
        return [Self.version] + nonce + ciphertext + tag
    }

    public func open(_ sealed: [UInt8], context: String) throws(Unreadable) -> [UInt8] {
        guard sealed.count >= 1 + Self.nonceLength + Self.tagLength, sealed[0] == Self.version else { throw Unreadable() }
        let nonce = Array(sealed[1..<(1 + Self.nonceLength)])
        let body = Array(sealed[(1 + Self.nonceLength)..<(sealed.count - Self.tagLength)])
        var tag = Array(sealed.suffix(Self.tagLength))
        var plaintext = [UInt8](repeating: 0, count: body.count)
        guard cipher(encrypt: false, nonce: nonce, context: context, input: body, output: &plaintext, tag: &tag) else { throw Unreadable() }
        return plaintext
    }

    /// Settings as a table keeps them (`email_settings`, `sign_on_settings`): an object of strings,
    /// sealed, as base64url text.
    public func sealStrings(_ strings: [String: String], context: String) -> String {
        Base64URL.encode(seal(Array(JSON.text(of: strings).utf8), context: context))
    }

    /// The strings `sealStrings` stored; nil when the text does not open with this key and context.
    public func openStrings(_ stored: String, context: String) -> [String: String]? {
        guard let sealed = Base64URL.decode(stored), let opened = try? open(sealed, context: context) else { return nil }
        return JSON.strings(String(decoding: opened, as: UTF8.self))
    }

    /// One AES-256-GCM pass; decrypting checks `tag` and answers false when it does not match.
    private func cipher(encrypt: Bool, nonce: [UInt8], context: String, input: [UInt8], output: inout [UInt8], tag: inout [UInt8]) -> Bool {
        guard let ctx = EVP_CIPHER_CTX_new() else { return false }
        defer { EVP_CIPHER_CTX_free(ctx) }
        let associated = Array(context.utf8)
        var length: Int32 = 0
        let initialize = encrypt ? EVP_EncryptInit_ex : EVP_DecryptInit_ex
        let update = encrypt ? EVP_EncryptUpdate : EVP_DecryptUpdate
        guard initialize(ctx, EVP_aes_256_gcm(), nil, nil, nil) == 1,
              EVP_CIPHER_CTX_ctrl(ctx, cnx_gcm_set_ivlen, Int32(nonce.count), nil) == 1,
              initialize(ctx, nil, nil, bytes, nonce) == 1,
              update(ctx, nil, &length, associated, Int32(associated.count)) == 1 else { return false }
        if !input.isEmpty {
            guard output.withUnsafeMutableBufferPointer({ update(ctx, $0.baseAddress, &length, input, Int32(input.count)) }) == 1 else { return false }
        }
        var final = [UInt8](repeating: 0, count: 16)
        if encrypt {
            return EVP_EncryptFinal_ex(ctx, &final, &length) == 1
                && EVP_CIPHER_CTX_ctrl(ctx, cnx_gcm_get_tag, Int32(tag.count), &tag) == 1
        }
        return EVP_CIPHER_CTX_ctrl(ctx, cnx_gcm_set_tag, Int32(tag.count), &tag) == 1
            && EVP_DecryptFinal_ex(ctx, &final, &length) == 1
    }

    private static func random(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        precondition(RAND_bytes(&bytes, Int32(count)) == 1, "OpenSSL's random generator failed")
        return bytes
    }
}
