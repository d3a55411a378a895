import Foundation
import Storage

/// Signing in to the console through an organization's identity provider (OpenID Connect's
/// authorization code flow with PKCE S256, `state` and `nonce`). `start` records the sign-in under
/// way and says where to send the browser; `finish` takes the provider's code back once: the row is
/// deleted as it is read, so a replayed code or state finds nothing. The ID token is checked by
/// `IDToken`; the user is the console user with its verified email who is a member of that
/// organization; a role mapping, if set, sets their role there.
public struct SingleSignOn {
    let database: Database
    /// The key the settings are sealed with; nil: this process has none, and single sign-on is unavailable.
    let key: InstallationKey?
    let http: ProviderHTTP

    /// How long a browser may take at the provider.
    public static let attemptLifetime: TimeInterval = 600

    public init(database: Database, key: InstallationKey?, http: ProviderHTTP = ProviderHTTP()) {
        self.database = database
        self.key = key
        self.http = http
    }

    /// Where the browser goes: the provider's authorization endpoint with these query parameters;
    /// `state` also goes into the browser's cookie, which binds the sign-in to this browser.
    public struct Redirect: Sendable {
        public let endpoint: String
        public let parameters: [(name: String, value: String)]
        public let state: String
    }

    /// The provider's endpoints, from its discovery document.
    struct Provider {
        let authorization: String, token: String, keys: String
    }

    public func start(organization: Int, redirectURI: String, next: String) throws -> Redirect {
        let settings = try settings(of: organization)
        let provider = try discover(settings, organization: organization)
        let state = Secret.generate(), nonce = Secret.generate(), verifier = Secret.generate()
        let now = Date()
        try database.transaction(locking: []) {
            try database.run("DELETE FROM sign_on_attempts WHERE created_at <= \(p: 1)", [.text(DateText.store(now.addingTimeInterval(-Self.attemptLifetime)))])
            try database.run("""
                INSERT INTO sign_on_attempts (state_hash, org_id, nonce, verifier, next, created_at) VALUES (\(p: 1), \(p: 2), \(p: 3), \(p: 4), \(p: 5), \(p: 6))
                """, [.text(Secret.hash(state)), .init(organization), .text(nonce), .text(verifier), .text(next), .text(DateText.store(now))])
        }
        return Redirect(endpoint: provider.authorization, parameters: [
            ("response_type", "code"), ("client_id", settings.values.clientID), ("redirect_uri", redirectURI),
            ("scope", "openid email profile"), ("state", state), ("nonce", nonce),
            ("code_challenge", Base64URL.encode(SHA256.digest(Array(verifier.utf8)))), ("code_challenge_method", "S256"),
        ], state: state)
    }

    /// What `finish` gives back: the new session and the page to open.
    public struct Outcome: Sendable {
        public let session: Accounts.Session
        public let next: String
    }

    /// Takes the provider's answer: `state` from the query, `cookieState` from this browser's cookie.
    public func finish(state: String, cookieState: String?, code: String, redirectURI: String, address: String, device: String?) throws -> Outcome {
        let again = "This single sign-on was already used or has expired: sign in again."
        guard (43...100).contains(state.utf8.count), let cookieState, Secret.matches(cookieState, state), (1...4_096).contains(code.utf8.count) else {
            throw UserError.badRequest(again)
        }
        let attempt = try database.transaction(locking: []) {
            let row = try database.query("SELECT org_id, nonce, verifier, next, created_at FROM sign_on_attempts WHERE state_hash = \(p: 1)",
                                         [.text(Secret.hash(state))]) { (organization: $0.int(0), nonce: $0.text(1), verifier: $0.text(2), next: $0.text(3), createdAt: $0.text(4)) }.first
            try database.run("DELETE FROM sign_on_attempts WHERE state_hash = \(p: 1)", [.text(Secret.hash(state))])
            return row
        }
        guard let attempt, attempt.createdAt > DateText.store(Date().addingTimeInterval(-Self.attemptLifetime)) else { throw UserError.badRequest(again) }
        let organization = attempt.organization
        let settings = try settings(of: organization)
        let provider = try discover(settings, organization: organization)
        let answer: JSON
        do throws(ProviderHTTP.Failure) {
            answer = try http.post(provider.token, form: [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI),
                                                          ("code_verifier", attempt.verifier)],
                                   basic: (settings.values.clientID, settings.values.clientSecret))
        } catch {
            throw try refused(organization, "the identity provider did not accept the sign-in (\(error.message))")
        }
        guard let idToken = answer["id_token"]?.string else { throw try refused(organization, "the identity provider's answer has no ID token") }
        let keys: [JSONWebKey]
        do throws(ProviderHTTP.Failure) {
            keys = try http.get(provider.keys)["keys"]?.array?.compactMap(JSONWebKey.init) ?? []
        } catch {
            throw try unreachable(organization, settings, error)
        }
        let token: IDToken
        do throws(IDToken.Rejection) {
            token = try IDToken(verifying: idToken, keys: keys, issuer: settings.values.issuer, clientID: settings.values.clientID, nonce: attempt.nonce)
        } catch {
            throw try refused(organization, error.reason)
        }
        guard let email = token.verifiedEmail else {
            throw try refused(organization, "the identity provider does not vouch for an email address (email_verified is not true)")
        }
        let accounts = Accounts(database: database)
        guard let userID = try accounts.userID(email: email), try accounts.role(userID: userID, organizationID: organization) != nil else {
            throw try refused(organization, "no console user of this organization has the address \(email.prefix(254)): ask an Admin to invite you",
                              actor: email)
        }
        var mapped: Role?
        if !settings.values.roleClaim.isEmpty {
            let mapping = SignOnSettings.mapping(settings.values.roleMapping).roles
            // The most a user's values give: Admin over Connections officer over Viewer.
            mapped = Role.allCases.first { role in token.texts(of: settings.values.roleClaim).contains { mapping[$0] == role } }
            guard mapped != nil else {
                throw try refused(organization, "your \(settings.values.roleClaim) in the directory give no role in this organization", actor: email)
            }
        }
        let knownDevice = try device.flatMap { try accounts.knownDeviceHash($0, userID: userID) }.flatMap { _ in device }
        let session = try accounts.newSession(userID: userID, address: address, device: knownDevice, action: "Signed in with single sign-on",
                                              details: ["organization": String(organization), "issuer": settings.values.issuer]) {
            guard let mapped, let current = try accounts.role(userID: userID, organizationID: organization), current != mapped else { return }
            // The directory decides, except that an organization keeps its last Admin.
            let admins = try database.scalarInt("SELECT count(*) FROM user_roles WHERE org_id = \(p: 1) AND role = 'Admin' AND user_id <> \(p: 2)",
                                                [.init(organization), .init(userID)])
            guard current != .admin || admins > 0 else { return }
            try accounts.setRole(userID: userID, organizationID: organization, role: mapped)
            try AuditLog(database: database).record(actorID: userID, actor: email, organizationID: organization, action: "Role set by single sign-on",
                                                    subject: email, details: ["from": current.rawValue, "to": mapped.rawValue])
        }
        return Outcome(session: session, next: attempt.next)
    }

    private func settings(of organization: Int) throws -> SignOnSettings.Saved {
        guard let key else {
            throw UserError.unavailable("Single sign-on needs the installation key, which this process has not loaded: sign in with your password.")
        }
        guard let saved = try SignOnSettings(database: database).saved(organization: organization, key: key) else {
            throw UserError.notFound("This organization does not sign in with single sign-on.")
        }
        return saved
    }

    /// The discovery document (OpenID Connect Discovery §4), whose `issuer` must be the configured one.
    private func discover(_ settings: SignOnSettings.Saved, organization: Int) throws -> Provider {
        let document: JSON
        do throws(ProviderHTTP.Failure) {
            document = try http.get(settings.values.issuer + "/.well-known/openid-configuration")
        } catch {
            throw try unreachable(organization, settings, error)
        }
        guard document["issuer"]?.string == settings.values.issuer, let authorization = document["authorization_endpoint"]?.string,
              let token = document["token_endpoint"]?.string, let keys = document["jwks_uri"]?.string else {
            throw try refused(organization, "the issuer's discovery document names another issuer or lacks an endpoint")
        }
        // The secret and the code travel to these: https, as the issuer (plain http only for a test provider on this machine).
        let secure = settings.values.issuer.hasPrefix("http://") ? "http://" : "https://"
        guard [authorization, token, keys].allSatisfy({ $0.hasPrefix(secure) }) else {
            throw try refused(organization, "the issuer's discovery document names an endpoint that is not https")
        }
        return Provider(authorization: authorization, token: token, keys: keys)
    }

    /// What an Admin's "Check the provider" finds: the provider answers discovery, and how many of its
    /// published keys this app can verify with (none: no sign-in can work).
    public func check(organization: Int) throws -> (authorization: String, keys: Int) {
        let settings = try settings(of: organization)
        let provider = try discover(settings, organization: organization)
        do throws(ProviderHTTP.Failure) {
            let keys = try http.get(provider.keys)["keys"]?.array?.compactMap(JSONWebKey.init) ?? []
            return (provider.authorization, keys.count)
        } catch {
            throw try unreachable(organization, settings, error)
        }
    }

    /// The provider cannot be reached: the page says so, and whether the password still works.
    private func unreachable(_ organization: Int, _ settings: SignOnSettings.Saved, _ failure: ProviderHTTP.Failure) throws -> UserError {
        try record(organization, "Single sign-on failed", actor: settings.values.issuer, reason: failure.message)
        let instead = settings.values.required ? "Try again in a few minutes." : "Try again in a few minutes, or sign in with your password."
        return .unavailable("The identity provider cannot be reached now: \(failure.message). \(instead)", retryAfterSeconds: 30)
    }

    /// A sign-in refused for a reason the provider or the settings gave: audited, and said.
    private func refused(_ organization: Int, _ reason: String, actor: String = "single sign-on") throws -> UserError {
        try record(organization, "Single sign-on refused", actor: actor, reason: reason)
        return .unauthorized("Single sign-on did not sign you in: \(reason).")
    }

    private func record(_ organization: Int, _ action: String, actor: String, reason: String) throws {
        try database.transaction(locking: []) {
            _ = try AuditLog(database: database).record(actorID: nil, actor: String(actor.prefix(254)), organizationID: organization, action: action,
                                                        details: ["reason": String(reason.prefix(500))])
        }
    }
}
