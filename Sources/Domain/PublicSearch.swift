import Storage

/// What /find answers to part of an organization's name: the enabled public connections that
/// match, grouped by organization. Past `mostListed` it lists none: a driver cannot pick from
/// sixty look-alikes on a phone, so the page asks for the search code or more of the name, and
/// says how many match in which organizations.
public struct PublicSearch: Sendable {
    public static let mostListed = 10
    /// Organizations named when too many connections match.
    public static let mostOrganizations = 20

    public struct Group: Sendable {
        public let organization: String
        /// The organization's matching connections; `connections` is empty when they are not listed.
        public let count: Int
        public let connections: [Joinable]
    }

    /// All matching connections, in every organization.
    public let total: Int
    /// By organization name; at most `mostOrganizations` when not listed.
    public let groups: [Group]
    /// More organizations match than `groups` names.
    public let moreOrganizations: Bool

    public var listed: Bool { total <= Self.mostListed }
}

extension JoinRequests {
    /// Enabled public connections whose organization's name (for drivers) contains `text`, in any
    /// case and accent: counted by organization, then, when few enough, read.
    public func publicSearch(organizationNamed text: String) throws -> PublicSearch {
        let needle = TextFolding.fold(text.trimmingCharacters(in: .whitespacesAndNewlines))
        guard needle.count >= 2 else { return PublicSearch(total: 0, groups: [], moreOrganizations: false) }
        let matching: SQLFragment = """
            c.visibility = 'Public' AND c.status = 'Enabled'
            AND c.org_id IN (SELECT id FROM organizations WHERE \(.position(of: "\(p: 1)", in: "fold(name_for_drivers)")) > 0)
            """
        let counts = try database.query("""
            SELECT o.id, o.name_for_drivers, count(*) FROM connections c JOIN organizations o ON o.id = c.org_id
            WHERE \(matching) GROUP BY o.id, o.name_for_drivers ORDER BY \(caseless: "o.name_for_drivers"), o.id
            """, [.text(needle)]) { (id: $0.int(0), name: $0.text(1), count: $0.int(2)) }
        let total = counts.reduce(0) { $0 + $1.count }
        guard total > 0 else { return PublicSearch(total: 0, groups: [], moreOrganizations: false) }
        guard total <= PublicSearch.mostListed else {
            return PublicSearch(total: total, groups: counts.prefix(PublicSearch.mostOrganizations).map {
                PublicSearch.Group(organization: $0.name, count: $0.count, connections: [])
            }, moreOrganizations: counts.count > PublicSearch.mostOrganizations)
        }
        let found = try joinables("""
            SELECT \(Self.joinableColumns) WHERE \(matching) ORDER BY \(caseless: "o.name_for_drivers"), c.org_id, \(caseless: "c.name"), c.id
            """, [.text(needle)])
        return PublicSearch(total: total, groups: counts.map { organization in
            let connections = found.filter { $0.organizationID == organization.id }
            return PublicSearch.Group(organization: organization.name, count: connections.count, connections: connections)
        }.filter { !$0.connections.isEmpty }, moreOrganizations: false)
    }
}
