import Domain
import Foundation
import FastCGI
import Storage

/// Turns an outbox row into the email sent: subject, plain text and HTML from the templates in
/// `Views/emails/` (`{{value}}` escaped in the HTML, `{{{value}}}` as is in the text), the host's
/// name for drivers as the sender's display name, the row's stable Message-ID, and for an invite
/// the QR code as an inline picture. Links are drawn when the email is composed; invites and
/// digests read the connection and the waiting requests then, so they are current.
struct EmailComposer {
    let configuration: WebConfiguration
    let settings: SMTPSettings
    let database: Database

    enum Composed {
        case message(MailMessage)
        /// Nothing to send any more, and why.
        case skip(String)
    }

    /// Width of the QR code in an invite: zbar and phone cameras read it easily, and it stays small.
    static let qrPixels = 330

    /// Draws the email's links (`EmailLinks`) right before it is sent; skipped when what they lead to is gone.
    /// `now`: the sender's clock (tests move it; a report compares and queues its next from it).
    func compose(_ item: OutboxItem, now: Date = Date()) throws -> Composed {
        guard let links = try EmailLinks.draw(for: item, database: database) else { return .skip("what its link leads to is gone") }
        let payload = item.payload
        var context: [String: TemplateValue] = [
            "organization": .text(payload["organization"] ?? ""), "connection": .text(payload["connection"] ?? ""),
            "driver": .text(payload["driver"] ?? ""), "reason": .text(payload["reason"] ?? ""),
            "benefits": .list((payload["benefits"] ?? "").split(separator: "\n").map { .text(String($0)) }),
        ]
        if let token = links.status { context["statusURL"] = .text(configuration.absoluteURL("/status/" + token)) }
        if let token = links.confirmation {
            context["confirmURL"] = .text(configuration.absoluteURL("/confirm/" + token))
            context["confirmHours"] = .text(Int(EmailConfirmations.lifetime / 3600))
        }
        var from = MailAddress(name: payload["organization"] ?? settings.from.name, address: settings.from.address)
        var headers: [(name: String, value: String)] = []
        var images: [InlineImage] = []
        let subject: String
        let connection = payload["connection"] ?? "", organization = payload["organization"] ?? ""
        switch item.kind {
        case .requestReceived: subject = "Your request to join \(connection) at \(organization)"
        case .requestApproved: subject = "You're connected: \(connection) at \(organization)"
        case .requestDenied: subject = "Your request to join \(connection) was not approved"
        case .driverRemoved: subject = "You were removed from \(connection) at \(organization)"
        case .emailConfirmation: subject = "Confirm your email address to join \(connection)"
        case .statusLink: subject = "Your request to join \(connection): its status link"
        case .reverification:
            context["by"] = .text(payload["by"] ?? "")
            subject = "Confirm your answers by \(payload["by"] ?? "") to stay in \(connection)"
        case .renewalReminder:
            context["ends"] = .text(payload["ends"] ?? "")
            subject = "Your membership of \(connection) ends on \(payload["ends"] ?? "")"
        case .invite:
            guard let id = RequestNumber.parse(payload["connectionID"], in: RequestNumber.ids),
                  let invite = try ConnectionInvites(database: database).invite(connectionID: id) else { return .skip("the connection is gone") }
            let url = configuration.inviteURL(token: invite.inviteToken)
            let contentID = "qr-\(item.messageKey)@\(settings.domain)"
            images.append(InlineImage(contentID: contentID, fileName: "invite-qr.png", png: try QRCode(encoding: url).png(minimumPixels: Self.qrPixels)))
            context["inviteURL"] = .text(url)
            context["qrSource"] = .text("cid:" + contentID)
            context["qrPixels"] = .text(Self.qrPixels)
            context["searchCode"] = invite.visibility == .private ? .text(invite.searchCode) : false
            context["findURL"] = .text(configuration.absoluteURL("/find"))
            context["benefits"] = .list(invite.benefits.map { .text($0) })
            subject = "\(organization) invites you to join \(connection)"
        case .userInvitation:
            guard let token = links.invitation else { return .skip("the invitation is gone") }
            context["invitationURL"] = .text(configuration.absoluteURL("/invitation/" + token))
            context["role"] = .text(payload["role"] ?? "")
            context["inviter"] = .text(payload["inviter"] ?? "")
            context["days"] = .text(Int(UserInvitations.lifetime / 86_400))
            from = settings.from
            subject = "\(payload["inviter"] ?? "An Admin") invites you to \(organization) on Connections"
        case .digest:
            guard let userID = item.userID, let digest = try HostDigests(database: database).content(userID: userID) else {
                return .skip("no requests are waiting, or digests are off")
            }
            let unsubscribe = configuration.absoluteURL("/unsubscribe/" + digest.unsubscribeToken)
            from = settings.from
            headers = [("List-Unsubscribe", "<\(unsubscribe)>"), ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")]
            context["lines"] = .list(digest.lines.map { line in
                ["organization": .text(line.organization), "connection": .text(line.connection), "waiting": .text(line.waiting),
                 "url": .text(configuration.absoluteURL("/connections/\(line.connectionID)/requests"))]
            })
            // Memberships that end: the coming week's, per connection.
            context["hasEnding"] = .bool(!digest.ending.isEmpty)
            context["ending"] = .list(digest.ending.map { line in
                ["organization": .text(line.organization), "connection": .text(line.connection), "count": .text(line.waiting),
                 "url": .text(configuration.absoluteURL("/connections/\(line.connectionID)#membership-length"))]
            })
            context["requestsURL"] = .text(configuration.absoluteURL("/requests"))
            context["accountURL"] = .text(configuration.absoluteURL("/account/email"))
            context["unsubscribeURL"] = .text(unsubscribe)
            subject = digest.total == 1 ? "1 driver request is waiting" : "\(digest.total) driver requests are waiting"
        case .viewReport:
            guard let userID = item.userID, let viewID = RequestNumber.parse(item.payload["view"], in: RequestNumber.ids) else { return .skip("no view named") }
            let outcome = try ViewReports(database: database).compose(viewID: viewID, userID: userID, messageKey: item.messageKey, now: now) { view in
                try ConnectionTable(database: database).ids(try TableState.parse(URLEncoding.parse(view.query)), organizations: [view.organizationID ?? 0])
            }
            guard case .send(let report) = outcome else { if case .skip(let why) = outcome { return .skip(why) }; return .skip("") }
            let unsubscribe = configuration.absoluteURL("/unsubscribe/" + report.unsubscribeToken)
            from = settings.from
            headers = [("List-Unsubscribe", "<\(unsubscribe)>"), ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")]
            func rows(_ ids: [Int]) -> TemplateValue {
                .list(ids.prefix(ViewReports.listed).map { ["url": .text(configuration.absoluteURL("/connections/\($0)"))] })
            }
            context["view"] = .text(report.view.name)
            context["count"] = .text(report.count)
            context["compared"] = .bool(report.compared)
            context["enteredCount"] = .text(report.entered.count)
            context["leftCount"] = .text(report.left.count)
            context["entered"] = rows(report.entered)
            context["left"] = rows(report.left)
            context["viewURL"] = .text(configuration.absoluteURL("/connections?view=\(report.view.id)"))
            context["unsubscribeURL"] = .text(unsubscribe)
            subject = "\(report.view.name): \(report.count == 1 ? "1 connection" : "\(report.count) connections")"
        }
        context["subject"] = .text(subject)
        let templates = Self.templates(item.kind)
        let values = TemplateValue.object(context.map { ($0.key, $0.value) })
        var message = MailMessage(from: from, to: MailAddress(name: payload["driver"] ?? "", address: item.recipient), subject: subject,
                                  date: DateText.parse(item.createdAt) ?? Date(), messageID: "<\(item.messageKey)@\(settings.domain)>",
                                  text: String(decoding: configuration.views.render(templates.text, values), as: UTF8.self),
                                  html: String(decoding: configuration.views.render(templates.html, values), as: UTF8.self))
        message.headers = headers
        message.images = images
        return .message(message)
    }

    /// The templates of a kind: emails/request-received-text and emails/request-received-html.
    static func templates(_ kind: EmailKind) -> (text: String, html: String) {
        let name = "emails/" + kind.rawValue.replacingOccurrences(of: " ", with: "-")
        return (name + "-text", name + "-html")
    }

    /// Every template an email may need, for `Views` to check at start.
    static var allTemplates: [String] {
        EmailKind.allCases.flatMap { kind in [templates(kind).text, templates(kind).html] }
    }
}
