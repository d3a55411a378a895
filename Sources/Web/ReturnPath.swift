import FastCGI

/// The one decision on where a user is sent back to after an action (`next=` after sign-in,
/// `back=` after a decision or a status change): a path on this site, or the default page.
enum ReturnPath {
    static let fallback = "/connections"
    /// The longest return path kept: a longer one is dropped, never echoed whole (into a `Location`
    /// header nginx must hold in its 16 KB buffer, or a page).
    static let longest = 2000

    /// Where a signed-out reader of `pathAndQuery` is sent: the sign-in page, with `next=` when it may
    /// come back there.
    static func signIn(returningTo pathAndQuery: String) -> String {
        safe(pathAndQuery) == pathAndQuery ? "/login?next=" + URLEncoding.encode(pathAndQuery) : "/login"
    }

    /// Only "/…": never "//host" or "/\\host" (browsers read both as another site), no backslash
    /// anywhere, and no control or space characters (browsers drop a tab or a newline inside a
    /// URL, which turns "/<TAB>/evil.example" into "//evil.example"; a NUL breaks the header).
    static func safe(_ candidate: String?) -> String {
        guard let candidate, candidate.hasPrefix("/"), !candidate.hasPrefix("//"), candidate.utf8.count <= longest,
              !candidate.unicodeScalars.contains(where: { scalar in
                  scalar == "\\" || scalar.properties.generalCategory == .control || scalar.properties.isWhitespace
                      || scalar.properties.generalCategory == .format
              }) else { return fallback }
        return candidate
    }
}
