import Domain
import FastCGI
import Foundation

/// CSRF protection for forms shown before any session exists (sign-in, a driver's request): the
/// form carries a token that must equal a cookie of the same value (double submit).
///
/// Every token is signed with the installation's key (`FormSignature`), so a client cannot make
/// one up. A form with a `lifetime` (a driver's request, asking again) is single-use: its token
/// carries the time it was drawn and is refused after the lifetime, and the domain spends it in
/// the transaction that writes the request (`JoinLimits`), so a replay of the same form is refused.
struct FormToken {
    let cookie: String
    let path: String
    var lifetime: TimeInterval? = nil

    /// A new token and the Set-Cookie header that pairs with it.
    func issue(for request: Request, signedWith signature: FormSignature, now: Date = Date()) -> (token: String, header: (String, String)) {
        var random = SystemRandomNumberGenerator()
        var payload = InviteCodes.inviteToken(using: &random)
        if lifetime != nil { payload += "." + String(Int(now.timeIntervalSince1970), radix: 36) }
        let token = signature.sign(payload)
        return (token, ("Set-Cookie", "\(cookie)=\(token); Path=\(path); HttpOnly; SameSite=Strict" + (request.isHTTPS ? "; Secure" : "")))
    }

    func isValid(_ request: Request, signedWith signature: FormSignature, now: Date = Date()) -> Bool {
        sent(request, signedWith: signature, now: now) != nil
    }

    /// The token the form carried, when it pairs with the cookie (and, for a form with a
    /// lifetime, was drawn within it).
    func sent(_ request: Request, signedWith signature: FormSignature, now: Date = Date()) -> String? {
        guard let token = request.cookies[cookie], !token.isEmpty, request.formValue("csrf") == token,
              // Only what `issue` writes: base64url and dots, so its length is the same in bytes and characters.
              token.utf8.count <= 100, token.utf8.allSatisfy(Self.isTokenByte),
              let payload = signature.payload(of: token) else { return nil }
        guard let lifetime else { return token }
        let parts = payload.split(separator: ".")
        guard parts.count == 2, let issued = RequestNumber.parseBase36(parts[1], in: 0...Int(Int32.max) * 4) else { return nil }
        let age = now.timeIntervalSince1970 - TimeInterval(issued)
        return (-60...lifetime).contains(age) ? token : nil
    }

    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."): return true
        default: return false
        }
    }

    var clearHeader: (String, String) { ("Set-Cookie", "\(cookie)=; Path=\(path); HttpOnly; SameSite=Strict; Max-Age=0") }
}
