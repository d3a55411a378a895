import Storage

/// A person as the identity provider sends them: the attributes the product acts on, typed, and
/// the whole SCIM resource as sent (given back as it came, RFC 7643's "returned" attributes).
public struct DirectoryUser: Sendable {
    public var userName: String
    public var externalID: String?
    public var active: Bool
    /// The driver's address: a change follows to the driver's row.
    public var email: String?
    /// The name a driver row starts with.
    public var displayName: String
    public var resource: JSON

    public init(userName: String, externalID: String?, active: Bool, email: String?, displayName: String, resource: JSON) {
        self.userName = userName
        self.externalID = externalID
        self.active = active
        self.email = email
        self.displayName = displayName
        self.resource = resource
    }
}

/// A group as the identity provider sends it: members by their SCIM user ids.
public struct DirectoryGroup: Sendable {
    /// The most members a group has: a bound on one transaction's reads (a change reads only
    /// the members who join or leave, but checks that every member named exists).
    public static let mostMembers = 50_000

    public var displayName: String
    public var externalID: String?
    public var memberIDs: [Int]

    public init(displayName: String, externalID: String?, memberIDs: [Int]) {
        self.displayName = displayName
        self.externalID = externalID
        self.memberIDs = memberIDs
    }
}

public struct StoredDirectoryUser: Sendable {
    public let id: Int
    public let user: DirectoryUser
    public let version: Int
    public let createdAt: String
    public let updatedAt: String
    public let groups: [(id: Int, name: String)]
}

public struct StoredDirectoryGroup: Sendable {
    public let id: Int
    public let displayName: String
    public let externalID: String?
    public let members: [(id: Int, userName: String)]
    public let connectionID: Int?
    public let connectionName: String?
    public let version: Int
    public let createdAt: String
    public let updatedAt: String
}

/// One organization's directory as stored: reads for SCIM and the Directory sync page. Every
/// read is scoped by organization, so another organization's id answers as a missing one.
public struct Directory {
    let database: Database
    public let organization: Int

    public init(database: Database, organization: Int) {
        self.database = database
        self.organization = organization
    }

    /// The attributes a SCIM filter may compare (`attribute eq "value"`), and their columns.
    public enum UserAttribute: String, Sendable { case userName, externalId }
    public enum GroupAttribute: String, Sendable { case displayName, externalId }

    public func user(_ id: Int) throws -> StoredDirectoryUser? {
        try users(where: "u.id = \(p: 4)", [.init(id)], limit: 1, offset: 0).first
    }

    public func users(matching filter: (UserAttribute, String)?, offset: Int, limit: Int) throws -> (total: Int, users: [StoredDirectoryUser]) {
        let (counted, values) = Self.userCondition(filter, parameter: 2)
        let total = try database.scalarInt("SELECT count(*) FROM scim_users u WHERE u.org_id = \(p: 1) AND \(counted)", [.init(organization)] + values)
        return (total, try users(where: Self.userCondition(filter, parameter: 4).0, values, limit: limit, offset: offset))
    }

    /// A filter's condition with its value as parameter `parameter`.
    private static func userCondition(_ filter: (UserAttribute, String)?, parameter: Int) -> (SQLFragment, [SQLValue]) {
        switch filter?.0 {
        case nil: return ("1 = 1", [])
        // userName is caseless (RFC 7643 "caseExact": false); externalId is exact.
        case .userName: return ("\(caseless: "u.user_name") = \(caseless: parameter)", [.text(filter!.1)])
        case .externalId: return ("u.external_id = \(p: parameter)", [.text(filter!.1)])
        }
    }

    private static func groupCondition(_ filter: (GroupAttribute, String)?, parameter: Int) -> (SQLFragment, [SQLValue]) {
        switch filter?.0 {
        case nil: return ("1 = 1", [])
        case .displayName: return ("\(caseless: "g.display_name") = \(caseless: parameter)", [.text(filter!.1)])
        case .externalId: return ("g.external_id = \(p: parameter)", [.text(filter!.1)])
        }
    }

    private func users(where condition: SQLFragment, _ values: [SQLValue], limit: Int, offset: Int) throws -> [StoredDirectoryUser] {
        let rows = try database.query("""
            SELECT u.id, u.user_name, u.external_id, u.active, u.email, u.resource, u.version, u.created_at, u.updated_at
            FROM scim_users u WHERE u.org_id = \(p: 1) AND \(condition) ORDER BY u.id LIMIT \(p: 2) OFFSET \(p: 3)
            """, [.init(organization), .init(limit), .init(offset)] + values) { row in
            (id: row.int(0), userName: row.text(1), externalID: row.optionalText(2), active: row.int(3) == 1, email: row.optionalText(4),
             resource: row.text(5), version: row.int(6), created: row.text(7), updated: row.text(8))
        }
        return try rows.map { row in
            let groups = try database.query("""
                SELECT g.id, g.display_name FROM scim_group_members m JOIN scim_groups g ON g.id = m.group_id WHERE m.user_id = \(p: 1) ORDER BY g.id
                """, [.init(row.id)]) { (id: $0.int(0), name: $0.text(1)) }
            let resource = (try? JSON.parse(Array(row.resource.utf8), limits: Self.storedLimits)) ?? .object([])
            return StoredDirectoryUser(id: row.id, user: DirectoryUser(userName: row.userName, externalID: row.externalID, active: row.active,
                                                                       email: row.email, displayName: "", resource: resource),
                                       version: row.version, createdAt: row.created, updatedAt: row.updated, groups: groups)
        }
    }

    /// What a stored resource may hold when read back: what a request could have sent.
    static let storedLimits = JSON.Limits(membersPerObject: 200, values: 20_000)

    public func group(_ id: Int, withMembers: Bool = true) throws -> StoredDirectoryGroup? {
        try groups(where: "g.id = \(p: 4)", [.init(id)], limit: 1, offset: 0, withMembers: withMembers).first
    }

    public func groups(matching filter: (GroupAttribute, String)?, offset: Int, limit: Int, withMembers: Bool = true) throws
        -> (total: Int, groups: [StoredDirectoryGroup]) {
        let (counted, values) = Self.groupCondition(filter, parameter: 2)
        let total = try database.scalarInt("SELECT count(*) FROM scim_groups g WHERE g.org_id = \(p: 1) AND \(counted)", [.init(organization)] + values)
        return (total, try groups(where: Self.groupCondition(filter, parameter: 4).0, values, limit: limit, offset: offset, withMembers: withMembers))
    }

    private func groups(where condition: SQLFragment, _ values: [SQLValue], limit: Int, offset: Int, withMembers: Bool) throws -> [StoredDirectoryGroup] {
        let rows = try database.query("""
            SELECT g.id, g.display_name, g.external_id, g.connection_id, c.name, g.version, g.created_at, g.updated_at
            FROM scim_groups g LEFT JOIN connections c ON c.id = g.connection_id
            WHERE g.org_id = \(p: 1) AND \(condition) ORDER BY g.id LIMIT \(p: 2) OFFSET \(p: 3)
            """, [.init(organization), .init(limit), .init(offset)] + values) { row in
            (id: row.int(0), name: row.text(1), externalID: row.optionalText(2), connection: row.isNull(3) ? nil : row.int(3),
             connectionName: row.optionalText(4), version: row.int(5), created: row.text(6), updated: row.text(7))
        }
        return try rows.map { row in
            let members = withMembers ? try database.query("""
                SELECT u.id, u.user_name FROM scim_group_members m JOIN scim_users u ON u.id = m.user_id WHERE m.group_id = \(p: 1) ORDER BY u.id
                """, [.init(row.id)]) { (id: $0.int(0), userName: $0.text(1)) } : []
            return StoredDirectoryGroup(id: row.id, displayName: row.name, externalID: row.externalID, members: members, connectionID: row.connection,
                                        connectionName: row.connectionName, version: row.version, createdAt: row.created, updatedAt: row.updated)
        }
    }

    /// The organization's connections a group may be mapped to, by name.
    public func connections() throws -> [(id: Int, name: String)] {
        try database.query("SELECT id, name FROM connections WHERE org_id = \(p: 1) ORDER BY name, id", [.init(organization)]) {
            (id: $0.int(0), name: $0.text(1))
        }
    }
}
