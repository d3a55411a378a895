import Domain
import FastCGI

/// GET /connections/{id}/invite: the invite link and search code of one connection.
struct InvitePage {
    let handler: ConsoleHandler

    func respond(connectionID: Int) throws -> Response {
        guard let invite = try ConnectionInvites(database: handler.database).invite(connectionID: connectionID) else {
            throw UserError.notFound("There is no connection with id \(connectionID).")
        }
        return handler.html(page: "invite", title: "Invite drivers · \(invite.connectionName)", [
            "connectionName": .text(invite.connectionName),
            "orgName": .text(invite.orgName),
            "inviteURL": .text(handler.configuration.publicBaseURL + "/join/" + invite.inviteToken),
            "searchCode": .text(invite.searchCode),
            "isPrivate": .bool(invite.visibility == .private),
            "isDisabled": .bool(invite.status == .disabled),
        ])
    }
}
