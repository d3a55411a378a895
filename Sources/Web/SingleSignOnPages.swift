import Domain
import FastCGI

/// Signing in through an organization's identity provider: GET /login/sso?org=ID (the sign-in page's
/// link: a link, as the pages' `form-action 'self'` would stop a form redirected to the provider)
/// sends the browser to the provider with the sign-in's `state` also in a cookie of this browser; GET /login/sso/callback takes the provider's code back,
/// only with that cookie. A failure shows the sign-in page with what went wrong, password form included.
struct SingleSignOnPages {
    let handler: ConsoleHandler

    static let stateCookie = "sso_state"

    /// The sign-in page's link to an organization's provider.
    static func link(organization: Int, next: String) -> String {
        "/login/sso?" + URLEncoding.encode([("org", String(organization)), ("next", next)])
    }

    /// Where the provider sends the browser back: registered at the provider as is.
    static func redirectURI(_ handler: ConsoleHandler) -> String {
        handler.configuration.publicBaseURL + "/login/sso/callback"
    }

    func start(_ request: Request) throws -> Response {
        let next = ReturnPath.safe(request.queryValue("next"))
        let signIn = SignInPage(handler: handler)
        do {
            guard let organization = RequestNumber.parse(request.queryValue("org"), in: RequestNumber.ids),
                  try SignOnSettings(database: handler.database).organizations().contains(where: { $0.id == organization }) else {
                throw UserError.notFound("This organization does not sign in with single sign-on.")
            }
            let redirect = try SingleSignOn(database: handler.database, key: handler.configuration.installationKey)
                .start(organization: organization, redirectURI: Self.redirectURI(handler), next: next)
            var response = Response.redirect(to: redirect.endpoint + (redirect.endpoint.contains("?") ? "&" : "?") + URLEncoding.encode(redirect.parameters))
            response.headers.append(("Set-Cookie", "\(Self.stateCookie)=\(redirect.state); Path=/login/sso; HttpOnly; SameSite=Lax; Max-Age="
                                     + "\(Int(SingleSignOn.attemptLifetime))" + (request.isHTTPS ? "; Secure" : "")))
            return response
        } catch {
            return signIn.failed(request, next: next, error)
        }
    }

    func callback(_ request: Request) throws -> Response {
        let clear = ("Set-Cookie", "\(Self.stateCookie)=; Path=/login/sso; HttpOnly; SameSite=Lax; Max-Age=0" + (request.isHTTPS ? "; Secure" : ""))
        let signIn = SignInPage(handler: handler)
        do {
            if let error = request.queryValue("error") {
                // The provider's own refusal (the user cancelled, no access): its words, bounded.
                let said = request.queryValue("error_description") ?? error
                throw UserError.unauthorized("The identity provider did not sign you in: \(String(said.prefix(200))).")
            }
            let outcome = try SingleSignOn(database: handler.database, key: handler.configuration.installationKey)
                .finish(state: request.queryValue("state") ?? "", cookieState: request.cookies[Self.stateCookie], code: request.queryValue("code") ?? "",
                        redirectURI: Self.redirectURI(handler), address: request.remoteAddress, device: request.cookies[DeviceCookie.name])
            var response = try signIn.signedIn(request, outcome.session, next: ReturnPath.safe(outcome.next))
            response.headers.append(clear)
            return response
        } catch {
            var response = signIn.failed(request, next: "/connections", error)
            response.headers.append(clear)
            return response
        }
    }
}
