import Storage

/// An Admin draws a new invite link or search code for a connection: the old one stops working at once.
public struct RotateInvite: Command {
    public let connectionID: Int
    public let credential: InviteCredential

    public init(_ credential: InviteCredential, connectionID: Int) {
        self.credential = credential
        self.connectionID = connectionID
    }

    public func run(by access: Access, in database: Database) throws {
        let invites = ConnectionInvites(database: database)
        let invite = try access.require(.rotateCodes, onConnection: connectionID, try invites.invite(connectionID: connectionID)) { $0.organizationID }
        var random = SystemRandomNumberGenerator()
        try database.transaction(locking: [.connection(connectionID)]) {
            switch credential {
            case .link:
                try database.run("UPDATE connections SET invite_token = \(p: 2), updated_at = \(p: 3) WHERE id = \(p: 1)",
                                 [.init(connectionID), .text(InviteCodes.inviteToken(using: &random)), .text(DateText.now())])
            case .code:
                try database.run("UPDATE connections SET search_code = \(p: 2), updated_at = \(p: 3) WHERE id = \(p: 1)",
                                 [.init(connectionID), .text(try invites.unusedSearchCode()), .text(DateText.now())])
            }
            try AuditLog(database: database).record(by: access, organizationID: invite.organizationID,
                                                   action: credential == .link ? "Rotated invite link" : "Rotated search code",
                                                   subject: invite.connectionName)
            try DomainEvents(database: database).record(DomainEvent(.inviteRotated, organization: invite.organizationID, connection: connectionID,
                                                                    payload: ["what": .string(credential.rawValue)]))
        }
    }
}
