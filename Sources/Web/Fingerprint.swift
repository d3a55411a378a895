/// A short FNV-1a hash as base-36 text, for addresses and ETags that must change with what
/// they name (static files, the filter catalog, an invite link). Not for secrets.
enum Fingerprint {
    static func of(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(hash, radix: 36)
    }
}
