import Domain
import FastCGI
import Foundation

/// GET /connections/{id}/invite: the invite link with a Copy button, its QR code (SVG inline,
/// PNG to print), the search code, and for Admins the rotation of either.
struct InvitePage {
    let page: Page

    /// The route checked that the user may invite drivers to this connection.
    func invite(_ connectionID: Int) throws -> Invite {
        guard let invite = try ConnectionInvites(database: page.database).invite(connectionID: connectionID) else {
            throw UserError.notFound("There is no connection with id \(connectionID).")
        }
        return invite
    }

    /// `emailInvites`: the Email invites section as a form left it (`InviteEmailForm`).
    func respond(connectionID: Int, emailInvites: TemplateValue? = nil, status: Int = 200) throws -> Response {
        let invite = try invite(connectionID)
        let url = page.handler.configuration.inviteURL(token: invite.inviteToken)
        let version = Fingerprint.of(url)
        return page.html(status: status, .invite, title: "Invite drivers", [
            "titleContext": .text(invite.connectionName),
            "emailInvites": try emailInvites ?? InviteEmailForm(page: page).context(organizationID: invite.organizationID),
            "id": .text(connectionID),
            "connectionName": .text(invite.connectionName),
            "orgName": .text(invite.orgName),
            "inviteURL": .text(url),
            "qrSVG": .text("/connections/\(connectionID)/qr.svg?v=\(version)"),
            "qrPNG": .text("/connections/\(connectionID)/qr.png?v=\(version)"),
            "searchCode": .text(invite.searchCode),
            "findURL": .text(page.handler.configuration.absoluteURL("/find")),
            "findQR": .text(try Self.findQR(page.handler.configuration)),
            "isPrivate": .bool(invite.visibility == .private),
            "isDisabled": .bool(invite.status == .disabled),
            "canRotate": .bool(page.access.roles[invite.organizationID]?.allows(.rotateCodes) == true),
            "notice": Notice.context(for: page),
            "rotated": page.request.queryValue("rotated").map { .text($0 == "code" ? "A new search code is in place; the old one no longer works." : "A new invite link is in place; the old link and QR code no longer work.") } ?? false,
        ])
    }

    /// The QR code of the /find address, inline (the same for every connection: a poster for the search code).
    static func findQR(_ configuration: WebConfiguration) throws -> String {
        "data:image/svg+xml;base64," + Data(try QRCode(encoding: configuration.absoluteURL("/find")).svg().utf8).base64EncodedString()
    }

    /// The QR code of the invite link. Its tag changes with the link, so a browser keeps it for
    /// good and asks again only with If-None-Match, answered 304 without drawing it.
    func qrCode(connectionID: Int, png: Bool) throws -> Response {
        let invite = try invite(connectionID)
        let url = page.handler.configuration.inviteURL(token: invite.inviteToken)
        let etag = "\"qr-\(Fingerprint.of(url))\(png ? "-png" : "")\""
        let headers = [("ETag", etag), ("Cache-Control", "private, max-age=31536000, immutable")]
        if Self.matches(page.request.headers["if-none-match"], etag) { return Response(status: 304, headers: headers) }
        let code = try QRCode(encoding: url)
        if png {
            let name = "qr-" + invite.connectionName.filter { $0.isLetter || $0.isNumber }.prefix(40) + ".png"
            return Response(headers: headers + [("Content-Type", "image/png"), ("Content-Disposition", "attachment; filename=\"\(name)\"")],
                            body: .bytes(code.png()))
        }
        return Response(headers: headers + [("Content-Type", "image/svg+xml")], body: .bytes(Array(code.svg().utf8)))
    }

    /// POST /connections/{id}/rotate: `what` is "link" or "code".
    func rotate(connectionID: Int) throws -> Response {
        guard let credential = InviteCredential(rawValue: page.request.formValue("what") ?? "") else {
            throw UserError.badRequest("Rotate the link or the code.")
        }
        guard page.request.formValue("confirm") == "1" else { return try confirmRotation(credential, connectionID: connectionID) }
        try RotateInvite(credential, connectionID: connectionID).run(by: page.access, in: page.database)
        return .redirect(to: "/connections/\(connectionID)/invite?rotated=\(credential.rawValue)")
    }

    /// Asks before a rotation, saying what stops working and how many drivers wait for a decision.
    func confirmRotation(_ credential: InviteCredential, connectionID: Int) throws -> Response {
        let invite = try invite(connectionID)
        let pending = try MembershipDecisions(database: page.database).count(state: .pending, organizations: [invite.organizationID],
                                                                             connectionID: connectionID)
        let link = credential == .link
        return page.html(.rotateConfirm, title: link ? "New invite link?" : "New search code?", [
            "id": .text(connectionID), "what": .text(credential.rawValue), "link": .bool(link),
            "connectionName": .text(invite.connectionName),
            "pending": pending == 0 ? false : .text(pending == 1
                ? "1 driver has a request waiting for a decision: it stays as it is, and its status link keeps working."
                : "\(Format.integer(pending)) drivers have requests waiting for a decision: they stay as they are, and their status links keep working."),
        ])
    }

    /// If-None-Match holds the tag: weakly, since nginx marks tags weak when it compresses the body.
    static func matches(_ header: String?, _ etag: String) -> Bool {
        guard let header else { return false }
        return header.split(separator: ",").contains { candidate in
            let trimmed = candidate.trimmingCharacters(in: .whitespaces)
            return trimmed == "*" || (trimmed.hasPrefix("W/") ? String(trimmed.dropFirst(2)) : trimmed) == etag
        }
    }
}
