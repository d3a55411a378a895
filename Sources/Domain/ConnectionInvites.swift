import Storage

/// What a host needs to invite drivers to one connection.
public struct Invite: Sendable {
    public let organizationID: Int
    public let connectionName: String
    public let orgName: String
    public let inviteToken: String
    public let searchCode: String
    public let visibility: Visibility
    public let status: ConnectionStatus
}

public struct ConnectionInvites {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    public func invite(connectionID: Int) throws -> Invite? {
        try database.query("""
            SELECT c.org_id, c.name, o.name, c.invite_token, c.search_code, c.visibility, c.status
            FROM connections c JOIN organizations o ON o.id = c.org_id WHERE c.id = ?1
            """, [.init(connectionID)]) { row in
            Invite(organizationID: row.int(0), connectionName: row.text(1), orgName: row.text(2), inviteToken: row.text(3), searchCode: row.text(4),
                   visibility: Visibility(rawValue: row.text(5)) ?? .private, status: ConnectionStatus(rawValue: row.text(6)) ?? .disabled)
        }.first
    }
}
