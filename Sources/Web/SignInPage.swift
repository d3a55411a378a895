import Domain
import FastCGI
import Foundation

/// GET and POST /login. Before a session exists, the form's CSRF token is checked against a
/// cookie of the same value (double submit).
struct SignInPage {
    let handler: ConsoleHandler
    static let formToken = FormToken(cookie: "login_csrf", path: "/login")

    func respond(to request: Request) throws -> Response {
        let asked = request.isRead ? request.queryValue("next") : request.formValue("next")
        // Nothing asked: "/", which sends each user to their landing page (the overview or the table).
        let next = asked.map { ReturnPath.safe($0) } ?? "/"
        guard !request.isRead else { return form(request, next: next, email: "", message: nil, status: 200) }
        guard Self.formToken.isValid(request, signedWith: handler.formSignature) else {
            return form(request, next: next, email: request.formValue("email") ?? "",
                        message: "The sign-in form had expired. Please sign in again.", status: ErrorPresentation.formExpired)
        }
        let email = request.formValue("email") ?? ""
        do {
            let session = try Accounts(database: handler.database).signIn(email: email, password: request.formValue("password") ?? "",
                                                                          address: request.remoteAddress,
                                                                          device: request.cookies[DeviceCookie.name])
            return try signedIn(request, session, next: next)
        } catch {
            return failed(request, next: next, error, email: email)
        }
    }

    /// The answer to a sign-in that worked (a password, or single sign-on): the cookies, and the page
    /// to open; invitations to the user's address wait to be accepted or declined first.
    func signedIn(_ request: Request, _ session: Accounts.Session, next: String) throws -> Response {
        let invited = try !UserInvitations(database: handler.database).pending(for: session.access).isEmpty
        var response = Response.redirect(to: invited ? "/invitations?next=" + URLEncoding.encode(next) : next)
        response.headers.append(("Set-Cookie", SessionCookie.set(session.token, secure: request.isHTTPS)))
        if let device = session.deviceToken { response.headers.append(("Set-Cookie", DeviceCookie.set(device, secure: request.isHTTPS))) }
        response.headers.append(Self.formToken.clearHeader)
        return response
    }

    /// The form again, saying why the sign-in did not work.
    func failed(_ request: Request, next: String, _ error: any Error, email: String = "") -> Response {
        let failure = ErrorPresentation(error, request: request)
        var response = form(request, next: next, email: email, message: failure.message, status: failure.status)
        response.headers += failure.headers
        return response
    }

    func form(_ request: Request, next: String, email: String, message: String?, status: Int) -> Response {
        let issued = Self.formToken.issue(for: request, signedWith: handler.formSignature)
        let signOn = (try? SignOnSettings(database: handler.database).organizations()) ?? []
        var response = handler.html(status: status, page: .login, title: "Sign in", session: nil, [
            "csrf": .text(issued.token), "next": .text(next), "email": .text(String(email.prefix(254))),
            "message": message.map(TemplateValue.text) ?? .bool(false),
            // After a failure with an address typed, the password is what to type again: it takes the focus.
            "retypePassword": .bool(message != nil && !email.isEmpty),
            // Single sign-on: a button per organization that has it (their names are public on /find too).
            "signOn": .list(signOn.map { ["href": .text(SingleSignOnPages.link(organization: $0.id, next: next)), "name": .text($0.name)] }),
            "hasSignOn": .bool(!signOn.isEmpty),
        ])
        response.headers.append(issued.header)
        return response
    }
}

/// The device cookie (OWASP's name for it): set at every successful sign-in and sent only to
/// /login, it tells the sign-in throttle that this browser signed in to the account before, so
/// guessing from elsewhere never refuses it. Signing out keeps it.
enum DeviceCookie {
    static let name = "device"

    static func set(_ token: String, secure: Bool) -> String {
        "\(name)=\(token); Path=/login; HttpOnly; SameSite=Lax; Max-Age=\(Int(Accounts.knownDeviceLifetime))" + (secure ? "; Secure" : "")
    }
}
