import Domain
import FastCGI

/// Pages opened from an email, without an account. The secret in the path is the proof (256
/// random bits, sent only to that address), so a form on another site cannot know it. A GET only
/// shows a button: mail scanners that open every link change nothing.
struct EmailLinkPages {
    let handler: ConsoleHandler

    /// GET /confirm/{token}: what confirming does; POST: confirms and shows the request's status page.
    func confirm(_ request: Request, token: String) throws -> Response {
        let confirmations = EmailConfirmations(database: handler.database)
        guard request.isRead else { return .redirect(to: "/status/" + (try confirmations.confirm(token: token))) }
        let link = try confirmations.link(token: token)
        return handler.html(page: .confirmEmail, title: "Confirm your email address", session: nil, [
            "organization": .text(link.organization), "connection": .text(link.connection), "email": .text(link.email), "token": .text(token),
        ])
    }

    /// GET /unsubscribe/{token}: a button that stops the digest (or a view's report); POST (the button, or a mail
    /// program's one-click unsubscribe, RFC 8058) stops it.
    func unsubscribe(_ request: Request, token: String) throws -> Response {
        let digests = HostDigests(database: handler.database)
        guard let user = try digests.user(unsubscribeToken: token) else { throw UserError.notFound("This unsubscribe link is not valid.") }
        if !request.isRead { try digests.unsubscribe(token: token) }
        return handler.html(page: .unsubscribe, title: user.view.map { "Report of \($0.name)" } ?? "Email digests", session: nil, [
            "email": .text(user.email), "token": .text(token), "done": .bool(!request.isRead), "view": user.view.map { .text($0.name) } ?? false,
        ])
    }
}
