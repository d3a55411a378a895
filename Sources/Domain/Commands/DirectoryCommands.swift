import Storage

/// What an organization's identity provider does through SCIM, as commands run with
/// `Access.directory(of:)` (audited as "directory"): users and groups saved or deleted, and a
/// group mapped to a connection by an Admin. Each runs in one transaction that locks the
/// organization and its mapped connections, and brings the drivers in step: a user who is active
/// and a member of a group mapped to a connection is that connection's driver (connected at once:
/// the directory is the proof, with the approval email); one who was and no longer is (left the
/// group, deactivated, deleted, the group deleted or unmapped) is removed as `Decide` removes,
/// with the removal email, an audit entry and the event.
public struct SaveDirectoryUser: Command {
    public let organization: Int
    /// nil: a new user.
    public let id: Int?
    public let user: DirectoryUser
    /// The version the caller read (`If-Match`); nil: whatever is stored.
    public let expectedVersion: Int?

    public init(organization: Int, id: Int?, _ user: DirectoryUser, expectedVersion: Int? = nil) {
        self.organization = organization
        self.id = id
        self.user = user
        self.expectedVersion = expectedVersion
    }

    public func run(by access: Access, in database: Database) throws -> Int {
        try access.require(.manageUsers, in: organization)
        let user = try DirectorySync.checked(user)
        return try DirectorySync(database: database, organization: organization).changing(by: access, touching: { _ in id.map { [$0] } ?? [] }) { sync in
            let now = DateText.now()
            let values: [SQLValue] = [.text(user.userName), user.externalID.map(SQLValue.text) ?? .null, .init(user.active ? 1 : 0),
                                      user.email.map(SQLValue.text) ?? .null, .text(user.resource.text), .text(now)]
            guard let id else {
                let id = try sync.unique {
                    try database.insertReturningID("""
                        INSERT INTO scim_users (org_id, user_name, external_id, active, email, resource, created_at, updated_at)
                        VALUES (\(p: 1), \(p: 2), \(p: 3), \(p: 4), \(p: 5), \(p: 6), \(p: 7), \(p: 7))
                        """, [.init(organization)] + values)
                }
                return (id, [id], [id: user.displayName])
            }
            try sync.requireUser(id, version: expectedVersion)
            try sync.unique {
                try database.run("""
                    UPDATE scim_users SET user_name = \(p: 3), external_id = \(p: 4), active = \(p: 5), email = \(p: 6), resource = \(p: 7),
                        updated_at = \(p: 8), version = version + 1
                    WHERE id = \(p: 1) AND org_id = \(p: 2)
                    """, [.init(id), .init(organization)] + values)
            }
            return (id, [], [id: user.displayName])
        }
    }
}

public struct DeleteDirectoryUser: Command {
    public let organization: Int
    public let id: Int

    public init(organization: Int, id: Int) {
        self.organization = organization
        self.id = id
    }

    public func run(by access: Access, in database: Database) throws {
        try access.require(.manageUsers, in: organization)
        try DirectorySync(database: database, organization: organization).changing(by: access, touching: { _ in [id] }) { sync in
            try sync.requireUser(id, version: nil)
            try database.run("DELETE FROM scim_users WHERE id = \(p: 1)", [.init(id)])
            return ((), [], [:])
        }
    }
}

public struct SaveDirectoryGroup: Command {
    public let organization: Int
    public let id: Int?
    public let group: DirectoryGroup
    public let expectedVersion: Int?

    public init(organization: Int, id: Int?, _ group: DirectoryGroup, expectedVersion: Int? = nil) {
        self.organization = organization
        self.id = id
        self.group = group
        self.expectedVersion = expectedVersion
    }

    public func run(by access: Access, in database: Database) throws -> Int {
        try access.require(.manageUsers, in: organization)
        let name = group.displayName.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...254).contains(StoredText.length(name)) else { throw UserError.badRequest("displayName is required (1 to 254 characters).") }
        let members = Array(Set(group.memberIDs)).sorted()
        guard members.count <= DirectoryGroup.mostMembers else {
            throw UserError.badRequest("A directory group has at most \(DirectoryGroup.mostMembers) members; this one would have \(members.count).")
        }
        let sync = DirectorySync(database: database, organization: organization)
        // Only members who join or leave change their connections: the others need no reading.
        return try sync.changing(by: access, touching: { sync in
            Array(Set(try id.map(sync.members(of:)) ?? []).symmetricDifference(members))
        }) { sync in
            let now = DateText.now()
            try sync.requireUsers(members)
            let groupID: Int
            var before: [Int] = []
            if let id {
                try sync.requireGroup(id, version: expectedVersion)
                before = try sync.members(of: id)
                try database.run("""
                    UPDATE scim_groups SET display_name = \(p: 2), external_id = \(p: 3), updated_at = \(p: 4), version = version + 1 WHERE id = \(p: 1)
                    """, [.init(id), .text(name), group.externalID.map(SQLValue.text) ?? .null, .text(now)])
                groupID = id
            } else {
                // A group named like one of the organization's connections is mapped to it at once.
                let namesake = try database.query("""
                    SELECT id FROM connections WHERE org_id = \(p: 1) AND \(caseless: "name") = \(caseless: 2) ORDER BY id LIMIT 1
                    """, [.init(organization), .text(name)]) { $0.int(0) }.first
                groupID = try database.insertReturningID("""
                    INSERT INTO scim_groups (org_id, display_name, external_id, connection_id, created_at, updated_at)
                    VALUES (\(p: 1), \(p: 2), \(p: 3), \(p: 4), \(p: 5), \(p: 5))
                    """, [.init(organization), .text(name), group.externalID.map(SQLValue.text) ?? .null, namesake.map { .init($0) } ?? .null, .text(now)])
            }
            let (added, removed) = (Set(members).subtracting(before), Set(before).subtracting(members))
            for user in removed.sorted() {
                try database.run("DELETE FROM scim_group_members WHERE group_id = \(p: 1) AND user_id = \(p: 2)", [.init(groupID), .init(user)])
            }
            for user in added.sorted() {
                try database.run("INSERT INTO scim_group_members (group_id, user_id) VALUES (\(p: 1), \(p: 2))", [.init(groupID), .init(user)])
            }
            return (groupID, [], [:])
        }
    }
}

public struct DeleteDirectoryGroup: Command {
    public let organization: Int
    public let id: Int

    public init(organization: Int, id: Int) {
        self.organization = organization
        self.id = id
    }

    public func run(by access: Access, in database: Database) throws {
        try access.require(.manageUsers, in: organization)
        try DirectorySync(database: database, organization: organization).changing(by: access, touching: { try $0.members(of: id) }) { sync in
            try sync.requireGroup(id, version: nil)
            try database.run("DELETE FROM scim_groups WHERE id = \(p: 1)", [.init(id)])
            return ((), [], [:])
        }
    }
}

/// An Admin maps a directory group to one of the organization's connections (or to none) on the
/// Directory sync page; its members become that connection's drivers, and leave the one before.
public struct MapDirectoryGroup: Command {
    public let organization: Int
    public let groupID: Int
    public let connectionID: Int?

    public init(organization: Int, groupID: Int, connectionID: Int?) {
        self.organization = organization
        self.groupID = groupID
        self.connectionID = connectionID
    }

    public func run(by access: Access, in database: Database) throws {
        try access.require(.manageUsers, in: organization)
        try DirectorySync(database: database, organization: organization).changing(by: access, alsoLocking: connectionID,
                                                                                  touching: { try $0.members(of: groupID) }) { _ in
            guard let name = try database.query("SELECT display_name FROM scim_groups WHERE id = \(p: 1) AND org_id = \(p: 2)",
                                                [.init(groupID), .init(organization)], row: { $0.text(0) }).first else {
                throw UserError.notFound("There is no directory group \(groupID) in this organization.")
            }
            var connectionName = "none"
            if let connectionID {
                guard let found = try database.query("SELECT name FROM connections WHERE id = \(p: 1) AND org_id = \(p: 2)",
                                                     [.init(connectionID), .init(organization)], row: { $0.text(0) }).first else {
                    throw UserError.notFound("There is no connection with id \(connectionID).")
                }
                connectionName = found
            }
            try database.run("UPDATE scim_groups SET connection_id = \(p: 2) WHERE id = \(p: 1)", [.init(groupID), connectionID.map { .init($0) } ?? .null])
            try AuditLog(database: database).record(by: access, organizationID: organization, action: "Directory group mapped", subject: name,
                                                   details: ["connection": connectionName])
            return ((), [], [:])
        }
    }
}
