import Domain
import FastCGI

/// GET /connections/{id}/invite: the invite link and search code of one connection.
struct InvitePage {
    let page: Page

    func respond(connectionID: Int) throws -> Response {
        guard let invite = try ConnectionInvites(database: page.database).invite(connectionID: connectionID) else {
            throw UserError.notFound("There is no connection with id \(connectionID).")
        }
        try page.access.require(.inviteDrivers, in: invite.organizationID)
        return page.html("invite", title: "Invite drivers · \(invite.connectionName)", [
            "connectionName": .text(invite.connectionName),
            "orgName": .text(invite.orgName),
            "inviteURL": .text(page.handler.configuration.inviteURL(token: invite.inviteToken)),
            "searchCode": .text(invite.searchCode),
            "isPrivate": .bool(invite.visibility == .private),
            "isDisabled": .bool(invite.status == .disabled),
        ])
    }
}
