import Foundation
import Storage

/// An organization's time zone (an IANA name, UTC until an Admin sets one): relative date filters
/// ("today", "in the last 7 days") count its days.
public struct OrganizationTimeZone {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    public func identifier(of organization: Int) throws -> String {
        try database.query("SELECT time_zone FROM organizations WHERE id = \(p: 1)", [.init(organization)]) { $0.text(0) }.first ?? "UTC"
    }

    /// The zone a table over `organizations` counts in: theirs when they share one, else UTC.
    func zone(for organizations: [Int]) throws -> TimeZone {
        let zones = try database.query("SELECT DISTINCT time_zone FROM organizations WHERE id IN (\(ids: 1))", [.idList(organizations)]) { $0.text(0) }
        guard zones.count == 1, let zone = TimeZone(identifier: zones[0]) else { return .gmt }
        return zone
    }
}

/// An Admin sets the organization's time zone, by its IANA name ("Europe/Berlin"); its views'
/// reports move to the new local hour.
public struct SetTimeZone: Command {
    public let organizationID: Int
    public let identifier: String

    public init(_ identifier: String, of organizationID: Int) {
        self.identifier = identifier
        self.organizationID = organizationID
    }

    public func run(by access: Access, in database: Database) throws -> String {
        try access.require(.manageUsers, in: organizationID)
        let name = identifier.trimmingCharacters(in: .whitespaces)
        guard name.utf8.count <= 64, let zone = TimeZone(identifier: name), TimeZone.knownTimeZoneIdentifiers.contains(zone.identifier) || name == "UTC" else {
            throw UserError.badRequest("“\(identifier.prefix(64))” is not a time zone: write one like Europe/Berlin, America/New_York or UTC.")
        }
        return try database.transaction(locking: [.organization(organizationID)]) {
            let before = try OrganizationTimeZone(database: database).identifier(of: organizationID)
            try database.run("UPDATE organizations SET time_zone = \(p: 2) WHERE id = \(p: 1)", [.init(organizationID), .text(name)])
            try ViewReports(database: database).requeueAll(organizationID: organizationID)
            try AuditLog(database: database).record(by: access, organizationID: organizationID, action: "Time zone changed", subject: name,
                                                   details: ["before": before])
            return "Relative dates now count days in \(name)."
        }
    }
}
