import Domain
import FastCGI

/// CSRF protection for forms shown before any session exists (sign-in, a driver's request): the
/// form carries a token that must equal a cookie of the same value (double submit).
struct FormToken {
    let cookie: String
    let path: String

    /// A new token and the Set-Cookie header that pairs with it.
    func issue(for request: Request) -> (token: String, header: (String, String)) {
        var random = SystemRandomNumberGenerator()
        let token = InviteCodes.inviteToken(using: &random)
        return (token, ("Set-Cookie", "\(cookie)=\(token); Path=\(path); HttpOnly; SameSite=Strict" + (request.isHTTPS ? "; Secure" : "")))
    }

    func isValid(_ request: Request) -> Bool {
        guard let token = request.cookies[cookie], !token.isEmpty else { return false }
        return request.formValue("csrf") == token
    }

    var clearHeader: (String, String) { ("Set-Cookie", "\(cookie)=; Path=\(path); HttpOnly; SameSite=Strict; Max-Age=0") }
}
