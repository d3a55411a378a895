import Foundation

/// An OpenID Connect ID token (a JWS in compact form), accepted only when its signature is one of
/// the issuer's keys' (RS256 or ES256: never `none` or a shared-secret HMAC) and its claims are for
/// this sign-in: `iss` the configured issuer, `aud` the client id (and `azp`, if given), `exp` not
/// past and `iat` not ahead (each within `clockSkew`), `nonce` the one this sign-in sent.
public struct IDToken: Sendable {
    /// How far the provider's clock may be from ours.
    public static let clockSkew: TimeInterval = 120
    /// An ID token issued longer ago than this is not taken, even unexpired.
    public static let maximumAge: TimeInterval = 600

    /// Why a token was refused; the sign-in page names it, the audit log keeps it.
    public enum Rejection: Error, Equatable, Sendable {
        case malformed, unsupportedAlgorithm(String), noMatchingKey, badSignature
        case wrongIssuer, wrongAudience, expired, issuedInTheFuture, tooOld, wrongNonce

        public var reason: String {
            switch self {
            case .malformed: return "the ID token is not a signed JSON Web Token"
            case .unsupportedAlgorithm(let name): return "the ID token is signed with \(name.prefix(20)), not RS256 or ES256"
            case .noMatchingKey: return "the ID token's key is not one the issuer publishes"
            case .badSignature: return "the ID token's signature does not match the issuer's key"
            case .wrongIssuer: return "the ID token comes from another issuer"
            case .wrongAudience: return "the ID token was issued to another application"
            case .expired: return "the ID token has expired"
            case .issuedInTheFuture: return "the ID token is dated in the future"
            case .tooOld: return "the ID token was issued too long ago"
            case .wrongNonce: return "the ID token belongs to another sign-in"
            }
        }
    }

    public let claims: JSON

    /// Checks `token` and returns its claims.
    public init(verifying token: String, keys: [JSONWebKey], issuer: String, clientID: String, nonce: String, now: Date = Date()) throws(Rejection) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard token.utf8.count <= 16_384, parts.count == 3, let headerBytes = Base64URL.decode(parts[0]), let payloadBytes = Base64URL.decode(parts[1]),
              let signature = Base64URL.decode(parts[2]), let header = try? JSON.parse(headerBytes), let claims = try? JSON.parse(payloadBytes),
              header.members != nil, claims.members != nil else { throw .malformed }
        let name = header["alg"]?.string ?? ""
        guard let algorithm = JSONWebKey.Algorithm(rawValue: name) else { throw .unsupportedAlgorithm(name) }
        let keyID = header["kid"]?.string
        let candidates = keys.filter { $0.algorithm == algorithm && (keyID == nil || $0.id == keyID) }
        guard !candidates.isEmpty else { throw .noMatchingKey }
        let signed = Array(token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
        guard candidates.contains(where: { $0.verifies(signature, of: signed) }) else { throw .badSignature }

        guard claims["iss"]?.string == issuer else { throw .wrongIssuer }
        let audiences = claims["aud"]?.string.map { [$0] } ?? claims["aud"]?.array?.compactMap(\.string) ?? []
        guard audiences.contains(clientID), claims["azp"].map({ $0.string == clientID }) ?? (audiences.count == 1) else { throw .wrongAudience }
        let time = now.timeIntervalSince1970
        guard let expires = Self.seconds(claims["exp"]), expires > time - Self.clockSkew else { throw .expired }
        guard let issued = Self.seconds(claims["iat"]), issued <= time + Self.clockSkew else { throw .issuedInTheFuture }
        guard issued > time - Self.maximumAge - Self.clockSkew else { throw .tooOld }
        guard let sent = claims["nonce"]?.string, Secret.matches(sent, nonce) else { throw .wrongNonce }
        self.claims = claims
    }

    /// A NumericDate (seconds since 1970, possibly with a fraction).
    static func seconds(_ value: JSON?) -> Double? {
        switch value {
        case .int(let seconds)?: return Double(seconds)
        case .number(let text)?: return Double(text).flatMap { $0.isFinite ? $0 : nil }
        default: return nil
        }
    }

    /// The address the provider vouches for: `email` with `email_verified` true (a boolean, or the
    /// string "true" some providers send), or Microsoft Entra's `xms_edov` true (it sends no
    /// `email_verified`: its owner of the email's domain is verified); nil otherwise.
    public var verifiedEmail: String? {
        guard let email = claims["email"]?.string else { return nil }
        func isTrue(_ value: JSON?) -> Bool {
            switch value {
            case .bool(true)?: return true
            case .string(let text)?: return text.lowercased() == "true"
            default: return false
            }
        }
        return isTrue(claims["email_verified"]) || isTrue(claims["xms_edov"]) ? email : nil
    }

    /// The texts of a claim that is a string or an array of strings (groups, roles).
    public func texts(of claim: String) -> [String] {
        claims[claim]?.string.map { [$0] } ?? claims[claim]?.array?.compactMap(\.string) ?? []
    }
}
