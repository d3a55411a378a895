import Domain
import FastCGI
import Foundation

/// CSRF protection for forms shown before any session exists (sign-in, a driver's request): the
/// form carries a token that must equal a cookie of the same value (double submit).
///
/// A form with a `lifetime` (a driver's request, asking again) is single-use: its token carries
/// the time it was drawn and is refused after the lifetime, and the domain spends it in the
/// transaction that writes the request (`JoinLimits`), so a replay of the same form is refused.
struct FormToken {
    let cookie: String
    let path: String
    var lifetime: TimeInterval? = nil

    /// A new token and the Set-Cookie header that pairs with it.
    func issue(for request: Request, now: Date = Date()) -> (token: String, header: (String, String)) {
        var random = SystemRandomNumberGenerator()
        var token = InviteCodes.inviteToken(using: &random)
        if lifetime != nil { token += "." + String(Int(now.timeIntervalSince1970), radix: 36) }
        return (token, ("Set-Cookie", "\(cookie)=\(token); Path=\(path); HttpOnly; SameSite=Strict" + (request.isHTTPS ? "; Secure" : "")))
    }

    func isValid(_ request: Request, now: Date = Date()) -> Bool {
        sent(request, now: now) != nil
    }

    /// The token the form carried, when it pairs with the cookie (and, for a form with a
    /// lifetime, was drawn within it).
    func sent(_ request: Request, now: Date = Date()) -> String? {
        guard let token = request.cookies[cookie], !token.isEmpty, request.formValue("csrf") == token else { return nil }
        guard let lifetime else { return token }
        let parts = token.split(separator: ".")
        guard parts.count == 2, parts[1].count <= 12, let issued = Int(parts[1], radix: 36) else { return nil }
        let age = now.timeIntervalSince1970 - TimeInterval(issued)
        return (-60...lifetime).contains(age) ? token : nil
    }

    var clearHeader: (String, String) { ("Set-Cookie", "\(cookie)=; Path=\(path); HttpOnly; SameSite=Strict; Max-Age=0") }
}
