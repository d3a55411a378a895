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
    /// What joining gives, as the invite email lists it.
    public let benefits: [String]
}

public struct ConnectionInvites {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    public func invite(connectionID: Int) throws -> Invite? {
        try database.query("""
            SELECT c.org_id, c.name, o.name, c.invite_token, c.search_code, c.visibility, c.status, c.benefits_list
            FROM connections c JOIN organizations o ON o.id = c.org_id WHERE c.id = \(p: 1)
            """, [.init(connectionID)]) { row in
            Invite(organizationID: row.int(0), connectionName: row.text(1), orgName: row.text(2), inviteToken: row.text(3), searchCode: row.text(4),
                   visibility: try row.decode(Visibility.self, 5, table: "connections", key: "id \(connectionID)"),
                   status: try row.decode(ConnectionStatus.self, 6, table: "connections", key: "id \(connectionID)"), benefits: row.lines(7))
        }.first
    }
}

/// What an Admin can rotate: the old one stops working at once.
public enum InviteCredential: String, Sendable {
    case link, code
}

extension ConnectionInvites {
    /// A new search code no connection has: a clash (rare among 31^8 codes) draws again.
    func unusedSearchCode() throws -> String {
        var random = SystemRandomNumberGenerator()
        var code = InviteCodes.searchCode(using: &random)
        while try database.scalarInt("SELECT count(*) FROM connections WHERE search_code = \(p: 1)", [.text(code)]) > 0 {
            code = InviteCodes.searchCode(using: &random)
        }
        return code
    }
}

extension ConnectionInvites {
    /// The organization a connection belongs to, or nil when there is no such connection.
    public func organization(ofConnection id: Int) throws -> Int? {
        try database.query("SELECT org_id FROM connections WHERE id = \(p: 1)", [.init(id)]) { $0.int(0) }.first
    }
}
