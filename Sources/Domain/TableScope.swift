/// The part of the connections table a caller sees: the organizations its rows come from and the
/// columns the caller may read there. Every door to the table (the page, its column picker, bulk
/// actions, exports, the API's list and one connection) takes it from here.
public struct TableScope: Sendable {
    public let organizations: [Int]
    /// A column that needs a permission only when the caller has it in every one of the
    /// organizations, so no row shows a value the caller may not read.
    public let columns: [Column]

    public init(organizations: [Int], access: Access) {
        self.organizations = organizations
        columns = ColumnCatalog.all.filter { column in
            guard let permission = column.seenWith else { return true }
            return !organizations.isEmpty && organizations.allSatisfy { access.roles[$0]?.allows(permission) == true }
        }
    }

    /// The state's organization, in which the caller must have `permission`, or every organization
    /// where the caller has it.
    public init(_ state: TableState, access: Access, allowing permission: Permission = .viewConnections) throws(UserError) {
        if let organization = state.organization { try access.require(permission, in: organization) }
        self.init(organizations: state.organization.map { [$0] } ?? access.organizations(allowing: permission), access: access)
    }
}
