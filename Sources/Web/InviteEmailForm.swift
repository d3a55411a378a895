import Domain
import FastCGI

/// "Email invites" on the invite panel. POST /connections/{id}/invite/email with `step=check`
/// shows what would be sent (the addresses to invite, duplicates, drivers already connected, what
/// is not an address); `step=send` (the same list) checks again and queues the invites, audited
/// with those counts, then returns to the panel.
struct InviteEmailForm {
    let page: Page

    /// A pasted list is echoed back at most this long: 500 addresses of the longest kind fit.
    static let echoLimit = EmailInvites.perBatch * 256

    func respond(connectionID: Int) throws -> Response {
        let text = page.request.formValue("addresses") ?? ""
        let invites = EmailInvites(database: page.database)
        guard let organization = try ConnectionInvites(database: page.database).organization(ofConnection: connectionID) else {
            throw UserError.notFound("There is no connection with id \(connectionID).")
        }
        do {
            if page.request.formValue("step") == "send" {
                let sent = try SendInvites(text, connectionID: connectionID, dailyLimit: page.handler.configuration.emailInvitesPerDay).run(by: page.access, in: page.database)
                // Without email set up, the invites wait: the notice says so, not that they are on the way.
                let notice: Notice = page.handler.emailEnabled ? .emailed : .queued
                return .redirect(to: "/connections/\(connectionID)/invite?" + URLEncoding.encode(notice.pairs(count: sent.addresses.count, for: page))
                                 + "#email-invites")
            }
            let check = try invites.check(text, connectionID: connectionID)
            return try InvitePage(page: page).respond(connectionID: connectionID,
                                                      emailInvites: context(organizationID: organization, text: text, check: check))
        } catch {
            // Refused, over the limit, busy: the panel again, with the list as pasted.
            let failure = ErrorPresentation(error, request: page.request)
            var response = try InvitePage(page: page).respond(connectionID: connectionID, emailInvites: context(
                organizationID: organization, text: text, problem: failure.message), status: failure.status)
            response.headers += failure.headers
            return response
        }
    }

    /// The section's context: the form (with what was typed), the check's counts, today's limit.
    func context(organizationID: Int, text: String = "", check: EmailInvites.Check? = nil, problem: String? = nil) throws -> TemplateValue {
        let limit = page.handler.configuration.emailInvitesPerDay
        let remaining = try EmailInvites(database: page.database).remainingToday(organizationID: organizationID, limit: limit)
        var context: [String: TemplateValue] = [
            "addresses": .text(String(text.prefix(Self.echoLimit))),
            "perBatch": .text(EmailInvites.perBatch),
            "limit": .text(Format.integer(limit)),
            "remaining": .text(Format.integer(remaining)),
            "emailEnabled": .bool(page.handler.emailEnabled),
            // Admins may set email up on /email; others are told it waits.
            "emailLink": .bool(!page.handler.emailEnabled && !page.access.organizations(allowing: .manageUsers).isEmpty),
            "problem": problem.map(TemplateValue.text) ?? false,
            "notice": Notice.context(for: page),
        ]
        if let check {
            context["check"] = [
                "toSend": .text(EmailPage.count(check.addresses.count, "invite")),
                "sendCount": .text(check.addresses.count),
                "canSend": .bool(!check.addresses.isEmpty && check.addresses.count <= remaining),
                "overLimit": .bool(check.addresses.count > remaining),
                "duplicates": .text(check.duplicates), "alreadyConnected": .text(check.alreadyConnected),
                "invalidCount": .text(check.invalidCount), "hasInvalid": .bool(check.invalidCount > 0),
                "invalid": .list(check.invalid.map(TemplateValue.text)),
            ]
        }
        return .object(context.map { ($0.key, $0.value) })
    }
}
