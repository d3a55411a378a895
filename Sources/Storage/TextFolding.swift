import CSQLite

/// Case folding beyond ASCII ("ÉCOLE" -> "école"), shared by Swift and SQL: SQLite's own
/// lower() and LIKE fold ASCII letters only.
public enum TextFolding {
    public static func fold(_ text: String) -> String {
        text.utf8.allSatisfy { $0 < 0x80 } ? asciiLowercased(text) : text.lowercased()
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
    // Most values are ASCII with no capital to fold: hand SQLite its own value back, no copy.
    if !bytes.contains(where: { $0 >= 0x80 || ($0 >= 0x41 && $0 <= 0x5A) }) {
        sqlite3_result_value(context, argument)
        return
    }
    let folded = TextFolding.fold(String(decoding: bytes, as: UTF8.self))
    let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
    folded.utf8.withContiguousStorageIfAvailable { buffer in
        buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
            sqlite3_result_text(context, $0, Int32(buffer.count), transient)
        }
    } ?? sqlite3_result_text(context, folded, -1, transient)
}
