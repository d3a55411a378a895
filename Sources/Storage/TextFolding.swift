import CSQLite

/// Case folding beyond ASCII ("ÉCOLE" -> "école"), shared by Swift and SQL: SQLite's own
/// lower() and LIKE fold ASCII letters only.
public enum TextFolding {
    public static func fold(_ text: String) -> String {
        text.utf8.allSatisfy { $0 < 0x80 } ? asciiLowercased(text) : String(decoding: foldedUTF8(text), as: UTF8.self)
    }

    /// The same as `lowercased()`, scalar by scalar, without building strings: only the few
    /// characters that change are looked up in Unicode's tables.
    static func foldedUTF8(_ text: String) -> [UInt8] {
        var folded: [UInt8] = []
        folded.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            if scalar.isASCII {
                let byte = UInt8(scalar.value)
                folded.append(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte)
            } else if scalar.properties.changesWhenLowercased {
                folded.append(contentsOf: scalar.properties.lowercaseMapping.utf8)
            } else {
                folded.append(contentsOf: String(scalar).utf8)
            }
        }
        return folded
    }

    private static func asciiLowercased(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) else { return text }
        return String(decoding: text.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
    }

    /// Registers `fold(text)` on a connection. Deterministic and innocuous, so SQLite may use it
    /// anywhere, in indexes and triggers too.
    static func register(on handle: OpaquePointer) -> Int32 {
        sqlite3_create_function_v2(handle, "fold", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
                                   nil, foldFunction, nil, nil, nil)
    }
}

private let foldFunction: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = { context, _, arguments in
    guard let argument = arguments?[0], sqlite3_value_type(argument) != SQLITE_NULL, let text = sqlite3_value_text(argument) else {
        sqlite3_result_null(context)
        return
    }
    let bytes = UnsafeBufferPointer(start: text, count: Int(sqlite3_value_bytes(argument)))
    if !bytes.contains(where: { $0 >= 0x80 }) {
        // ASCII, most values: no capital means SQLite's own value back; otherwise lower the bytes
        // into a buffer SQLite takes over, with no Swift string in between (a scan calls this per row).
        guard bytes.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) else {
            if sqlite3_value_type(argument) == SQLITE_TEXT {
                sqlite3_result_value(context, argument)
            } else {
                sqlite3_result_text64(context, text, sqlite3_uint64(bytes.count), unsafeBitCast(-1, to: sqlite3_destructor_type.self), UInt8(SQLITE_UTF8))
            }
            return
        }
        guard let buffer = sqlite3_malloc64(sqlite3_uint64(max(bytes.count, 1)))?.assumingMemoryBound(to: UInt8.self) else {
            sqlite3_result_error_nomem(context)
            return
        }
        for (index, byte) in bytes.enumerated() { buffer[index] = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }
        buffer.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
            sqlite3_result_text64(context, $0, sqlite3_uint64(bytes.count), sqlite3_free, UInt8(SQLITE_UTF8))
        }
        return
    }
    let folded = TextFolding.foldedUTF8(String(decoding: bytes, as: UTF8.self))
    let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
    folded.withUnsafeBufferPointer { buffer in
        buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
            sqlite3_result_text64(context, $0, sqlite3_uint64(buffer.count), transient, UInt8(SQLITE_UTF8))
        }
    }
}
