import COpenSSL

/// A public key from an identity provider's JWKS (RFC 7517), and the one check made with it: a
/// signature over an ID token (RS256: RSA PKCS#1 v1.5 with SHA-256; ES256: ECDSA P-256 with
/// SHA-256, its signature raw r‖s as RFC 7518 §3.4 has it). The key reaches OpenSSL as a DER
/// SubjectPublicKeyInfo built from the JWK's numbers, so no PEM or key-building API is involved.
public struct JSONWebKey: Sendable, Equatable {
    public enum Algorithm: String, Sendable { case rs256 = "RS256", es256 = "ES256" }

    public let id: String?
    public let algorithm: Algorithm
    /// DER SubjectPublicKeyInfo.
    let publicKeyInfo: [UInt8]

    /// The key of a JWKS entry, nil for a kind this app does not verify with (or one that is not for signatures).
    public init?(_ jwk: JSON) {
        guard jwk["use"]?.string ?? "sig" == "sig" else { return nil }
        id = jwk["kid"]?.string
        switch jwk["kty"]?.string {
        case "RSA":
            guard let n = jwk["n"]?.string.flatMap(Base64URL.decode), let e = jwk["e"]?.string.flatMap(Base64URL.decode),
                  (256...1024).contains(n.count), !e.isEmpty, e.count <= 8 else { return nil }
            algorithm = .rs256
            let rsaPublicKey = DER.sequence(DER.integer(n) + DER.integer(e))
            publicKeyInfo = DER.sequence(DER.rsaEncryption + DER.bitString(rsaPublicKey))
        case "EC":
            guard jwk["crv"]?.string == "P-256", let x = jwk["x"]?.string.flatMap(Base64URL.decode),
                  let y = jwk["y"]?.string.flatMap(Base64URL.decode), x.count == 32, y.count == 32 else { return nil }
            algorithm = .es256
            publicKeyInfo = DER.sequence(DER.ecPublicKeyP256 + DER.bitString([0x04] + x + y))
        default:
            return nil
        }
    }

    /// Whether `signature` is this key's signature of `message`.
    public func verifies(_ signatureBytes: [UInt8], of message: [UInt8]) -> Bool {
        let signature: [UInt8]
        switch algorithm {
        case .rs256: signature = signatureBytes
        case .es256:
            // JOSE's r‖s (32 bytes each) is DER's SEQUENCE of two INTEGERs for OpenSSL.
            guard signatureBytes.count == 64 else { return false }
            signature = DER.sequence(DER.integer(Array(signatureBytes[0..<32])) + DER.integer(Array(signatureBytes[32...])))
        }
        var cursor: UnsafePointer<UInt8>? = nil
        let key: OpaquePointer? = publicKeyInfo.withUnsafeBufferPointer { buffer in
            cursor = buffer.baseAddress
            return d2i_PUBKEY(nil, &cursor, buffer.count)
        }
        guard let key else { return false }
        defer { EVP_PKEY_free(key) }
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestVerifyInit(context, nil, EVP_sha256(), nil, key) == 1 else { return false }
        return EVP_DigestVerify(context, signature, signature.count, message, message.count) == 1
    }
}

/// The few DER shapes a public key and an ECDSA signature need (X.690).
enum DER {
    /// AlgorithmIdentifier rsaEncryption (1.2.840.113549.1.1.1) with NULL parameters.
    static let rsaEncryption = sequence([0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01, 0x05, 0x00])
    /// AlgorithmIdentifier id-ecPublicKey (1.2.840.10045.2.1) on prime256v1 (1.2.840.10045.3.1.7).
    static let ecPublicKeyP256 = sequence([0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01,
                                           0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07])

    static func sequence(_ body: [UInt8]) -> [UInt8] { element(0x30, body) }
    static func bitString(_ body: [UInt8]) -> [UInt8] { element(0x03, [0x00] + body) }

    /// An unsigned big-endian number as a DER INTEGER: leading zeros dropped, one added when the top bit is set.
    static func integer(_ magnitude: [UInt8]) -> [UInt8] {
        var bytes = Array(magnitude.drop { $0 == 0 })
        if bytes.isEmpty || bytes[0] & 0x80 != 0 { bytes.insert(0, at: 0) }
        return element(0x02, bytes)
    }

    static func element(_ tag: UInt8, _ body: [UInt8]) -> [UInt8] {
        var length: [UInt8]
        if body.count < 0x80 {
            length = [UInt8(body.count)]
        } else {
            length = []
            var count = body.count
            while count > 0 { length.insert(UInt8(count & 0xFF), at: 0); count >>= 8 }
            length.insert(0x80 | UInt8(length.count), at: 0)
        }
        return [tag] + length + body
    }
}
