import CSQLite

/// Functions of the app that SQLite calls: `sha256_hex(text)`, the lowercase hex SHA-256 of the
/// text's UTF-8 (PostgreSQL defines the same in migration 10), so a migration can hash stored secrets.
enum SQLFunctions {
    static func register(on handle: OpaquePointer) -> Int32 {
        sqlite3_create_function_v2(handle, "sha256_hex", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
                                   nil, sha256Function, nil, nil, nil)
    }
}

private let sha256Function: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = { context, _, arguments in
    guard let argument = arguments?[0], sqlite3_value_type(argument) != SQLITE_NULL, let text = sqlite3_value_text(argument) else {
        sqlite3_result_null(context)
        return
    }
    let bytes = Array(UnsafeBufferPointer(start: text, count: Int(sqlite3_value_bytes(argument))))
    let hex = SHA256.hex(bytes: bytes)
    sqlite3_result_text64(context, hex, sqlite3_uint64(hex.utf8.count), unsafeBitCast(-1, to: sqlite3_destructor_type.self), UInt8(SQLITE_UTF8))
}
