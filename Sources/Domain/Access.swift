/// What a role may do in an organization (PRODUCT.md, Roles).
public enum Permission: Sendable, CaseIterable, Hashable {
    case viewConnections
    case export
    case inviteDrivers
    case decideMemberships
    case manageConnections
    case rotateCodes
    case manageUsers
    case viewAudit
    /// Webhook subscriptions: Admins only (they carry every event of the organization elsewhere).
    case manageWebhooks
    /// Save, rename and delete the views shared with the organization (issue 28).
    case shareViews
}

extension Role {
    public func allows(_ permission: Permission) -> Bool {
        switch self {
        case .admin: return true
        case .connectionsOfficer: return [.viewConnections, .export, .inviteDrivers, .decideMemberships, .shareViews].contains(permission)
        case .viewer: return [.viewConnections, .export].contains(permission)
        }
    }
}

/// The signed-in user and the organizations the user belongs to, with a role in each.
public struct Access: Sendable {
    public let userID: Int
    public let email: String
    public let name: String
    /// Organization id -> role; only these organizations exist for this user.
    public let roles: [Int: Role]
    /// The API token the request came with, by its name; nil in the console.
    public var tokenName: String?
    /// An organization's identity provider through SCIM (`Directory`): no user; audited as "directory".
    public private(set) var isDirectory = false
    /// Worked out once: pages ask for these on every request.
    private let organizationsByPermission: [Permission: [Int]]

    public init(userID: Int, email: String, name: String, roles: [Int: Role]) {
        self.userID = userID
        self.email = email
        self.name = name
        self.roles = roles
        organizationsByPermission = Dictionary(uniqueKeysWithValues: Permission.allCases.map { permission in
            (permission, roles.filter { $0.value.allows(permission) }.keys.sorted())
        })
    }

    public var organizationIDs: [Int] { roles.keys.sorted() }

    /// Who the audit log names: the user, and the API token when a change came through one.
    public var actor: String {
        if isDirectory { return Self.directoryActor }
        return tokenName.map { "\(email) (API token “\($0)”)" } ?? email
    }

    /// The user id stored with a change (a decision's decider, an audit entry's user): none for the directory.
    public var storedUserID: Int? { isDirectory ? nil : userID }

    public static let directoryActor = "directory"

    /// The identity provider of one organization, acting as its Admin would on its drivers.
    public static func directory(of organization: Int) -> Access {
        var access = Access(userID: 0, email: directoryActor, name: "Directory sync", roles: [organization: .admin])
        access.isDirectory = true
        return access
    }

    /// Another organization's things answer "not found", so that their existence does not leak;
    /// a role without the right answers "forbidden".
    public func require(_ permission: Permission, in organization: Int) throws(UserError) {
        guard let role = roles[organization] else { throw .notFound("There is no such page.") }
        guard role.allows(permission) else {
            throw .forbidden("Your role in this organization (\(role.rawValue)) does not allow this.")
        }
    }

    /// The permission in the organization that owns a connection (nil: there is no such
    /// connection). Another organization's connection and a missing one get the same answer, so
    /// ids reveal nothing.
    public func require(_ permission: Permission, onConnection id: Int, ownedBy organization: Int?) throws(UserError) {
        _ = try require(permission, onConnection: id, organization) { $0 }
    }

    /// The same, with the connection's row as read (nil: none): the row, once checked.
    public func require<Row>(_ permission: Permission, onConnection id: Int, _ row: Row?, organization: (Row) -> Int) throws(UserError) -> Row {
        guard let row, roles[organization(row)] != nil else { throw .notFound("There is no connection with id \(id).") }
        try require(permission, in: organization(row))
        return row
    }

    /// The same for a driver's request, by the organization of its connection.
    public func require<Row>(_ permission: Permission, onRequest id: Int, _ row: Row?, organization: (Row) -> Int) throws(UserError) -> Row {
        guard let row, roles[organization(row)] != nil else { throw .notFound("There is no driver request \(id).") }
        try require(permission, in: organization(row))
        return row
    }

    /// The organization an `org` value from a request names, in which the user must have the permission.
    public func organization(_ value: String?, allowing permission: Permission) throws(UserError) -> Int {
        guard let id = RequestNumber.parse(value, in: RequestNumber.ids) else { throw .badRequest("Choose an organization.") }
        try require(permission, in: id)
        return id
    }

    /// The organizations where the user may do this.
    public func organizations(allowing permission: Permission) -> [Int] {
        organizationsByPermission[permission] ?? []
    }
}
