/// Bytes as base64url without padding (RFC 4648 §5), the one spelling of every token, secret,
/// signature and cursor the app hands out: safe in a URL, a cookie and a file name as it is.
public enum Base64URL {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    /// Each byte's 6-bit value, or 255 for a byte outside the alphabet.
    static let values: [UInt8] = (0...255).map { byte in alphabet.firstIndex(of: UInt8(byte)).map(UInt8.init) ?? 255 }

    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(bytes.underestimatedCount * 4 / 3 + 2)
        var buffer = 0, bits = 0
        for byte in bytes {
            buffer = (buffer << 8 | Int(byte)) & 0xFFFF
            bits += 8
            while bits >= 6 {
                bits -= 6
                text.append(alphabet[(buffer >> bits) & 63])
            }
        }
        if bits > 0 { text.append(alphabet[(buffer << (6 - bits)) & 63]) }
        return String(decoding: text, as: UTF8.self)
    }

    /// The bytes of unpadded base64url text; nil for anything `encode` cannot have written (another
    /// character, padding, a length of 4n+1, or leftover bits that are not zero).
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count * 3 / 4)
        var buffer = 0, bits = 0
        for character in text.utf8 {
            let value = values[Int(character)]
            guard value != 255 else { return nil }
            buffer = (buffer << 6 | Int(value)) & 0xFFFF
            bits += 6
            if bits >= 8 {
                bits -= 8
                bytes.append(UInt8((buffer >> bits) & 0xFF))
            }
        }
        guard bits < 6, buffer & ((1 << bits) - 1) == 0 else { return nil }
        return bytes
    }
}
