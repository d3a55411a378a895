import Domain
import FastCGI

/// An invitation to an organization, from the person's side: GET/POST /invitation/{token} (the
/// emailed link, which creates the account of an address without one) and GET/POST /invitations
/// (signed in: the invitations to the user's address, where sign-in sends a user who has some).
struct InvitationPages {
    let handler: ConsoleHandler

    /// The emailed link: a GET only shows the invitation (mail scanners open links); the form
    /// accepts or declines it.
    func link(_ request: Request, token: String) throws -> Response {
        let invitations = UserInvitations(database: handler.database)
        let link = try invitations.link(token: token)
        var message: String?, failed = false, status = 200
        if !request.isRead {
            do {
                let done = try invitations.answer(token: token, accept: request.formValue("action") == "accept",
                                                  name: request.formValue("name") ?? "", password: request.formValue("password") ?? "")
                return handler.html(page: .invitation, title: "Invitation", session: nil, ["done": .text(done)])
            } catch {
                if case UserError.notFound = error { throw error }
                let failure = ErrorPresentation(error, request: request)
                (message, failed, status) = (failure.message, true, failure.status)
            }
        }
        return handler.html(status: status, page: .invitation, title: "Invitation", session: nil, [
            "organization": .text(link.invitation.organization), "role": .text(link.invitation.role.rawValue),
            "email": .text(link.invitation.email), "token": .text(token), "newAccount": .bool(!link.hasAccount),
            "name": .text(String((request.formValue("name") ?? "").prefix(200))),
            "minimumPassword": .text(Passwords.minimumLength),
            "message": message.map(TemplateValue.text) ?? .bool(false), "failed": .bool(failed), "done": .bool(false),
        ])
    }

    /// Signed in: the invitations to the user's address, each to accept or decline.
    func pending(_ page: Page) throws -> Response {
        let invitations = UserInvitations(database: page.database)
        var message: String?, failed = false, status = 200
        if !page.request.isRead {
            do {
                guard let id = RequestNumber.parse(page.request.formValue("invitation"), in: RequestNumber.ids) else {
                    throw UserError.badRequest("Choose an invitation.")
                }
                message = try invitations.answer(id, accept: page.request.formValue("action") == "accept", by: page.access)
            } catch {
                let failure = ErrorPresentation(error, request: page.request)
                (message, failed, status) = (failure.message, true, failure.status)
            }
        }
        let next = ReturnPath.safe(page.request.isRead ? page.request.queryValue("next") : page.request.formValue("next"))
        return page.html(status: status, .invitations, title: "Invitations", [
            "invitations": .list(try invitations.pending(for: page.access).map {
                ["id": .text($0.id), "organization": .text($0.organization), "role": .text($0.role.rawValue)]
            }),
            "next": .text(next),
            "message": message.map(TemplateValue.text) ?? .bool(false), "failed": .bool(failed),
        ])
    }
}
