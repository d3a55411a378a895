import Storage

/// Signs the tokens of forms shown before any session exists (a driver's request, sign-in) with a
/// key of this installation, kept in the database so that every app process shares it: a client
/// cannot make up a token (or its time) that the server did not hand out.
public struct FormSignature: Sendable {
    let key: [UInt8]

    /// The installation's key, drawn by the migration that made it.
    public init(database: Database) throws {
        guard let key = try database.query("SELECT \(.hex("value")) FROM installation_secrets WHERE name = 'form-tokens'", row: { $0.text(0) }).first,
              key.utf8.count >= 64 else {
            throw StorageError(code: 1, message: "the installation's form-token key is missing", sql: nil)
        }
        self.key = stride(from: 0, to: key.utf8.count, by: 2).map { offset in
            let pair = key.utf8.dropFirst(offset).prefix(2)
            return UInt8(String(decoding: pair, as: UTF8.self), radix: 16) ?? 0
        }
    }

    /// "payload.signature": 128 bits of HMAC-SHA-256 over the payload.
    public func sign(_ payload: String) -> String {
        payload + "." + signature(of: payload)
    }

    /// The payload of a token this installation signed; nil for any other text.
    public func payload(of token: some StringProtocol) -> Substring? {
        guard let dot = token.lastIndex(of: ".") else { return nil }
        let payload = Substring(token[..<dot])
        return verifies(token[token.index(after: dot)...], of: payload) ? payload : nil
    }

    /// Whether `given` is this installation's signature of `payload`.
    public func verifies(_ given: some StringProtocol, of payload: some StringProtocol) -> Bool {
        Secret.matches(given, signature(of: payload))
    }

    /// 128 bits of HMAC-SHA-256 over the payload, base64url.
    public func signature(of payload: some StringProtocol) -> String {
        String(Base64URL.encode(SHA256.hmac(key: key, Array(payload.utf8))).prefix(22))
    }
}
