import Storage

/// What a host needs to invite drivers to one connection.
public struct Invite: Sendable {
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
            SELECT c.name, o.name, c.invite_token, c.search_code, c.visibility, c.status
            FROM connections c JOIN organizations o ON o.id = c.org_id WHERE c.id = ?1
            """, [.init(connectionID)]) { row in
            Invite(connectionName: row.text(0), orgName: row.text(1), inviteToken: row.text(2), searchCode: row.text(3),
                   visibility: Visibility(rawValue: row.text(4)) ?? .private, status: ConnectionStatus(rawValue: row.text(5)) ?? .disabled)
        }.first
    }
}
