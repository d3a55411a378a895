import Storage

/// An Admin changes a connection made at `version`: each field given changes, the others keep their
/// stored values (a discount stays while Discounted charging does, domains while approval is by
/// email domain), and the rules (`ConnectionSettings.problems`) judge the merged settings. A newer
/// version on file is `StaleVersion`, never overwritten. The outcome is the new version.
public struct UpdateConnection: Command {
    public let connectionID: Int
    public let version: Int
    public var name: String?
    public var nameForDrivers: String?
    public var type: ConnectionType?
    public var status: ConnectionStatus?
    public var visibility: Visibility?
    public var approval: ApprovalType?
    public var benefits: [BenefitKind]?
    /// `.some(nil)`: no discount.
    public var discountPercent: Int??
    public var emailDomains: [String]?
    public var questions: [String]?

    public init(connectionID: Int, version: Int) {
        self.connectionID = connectionID
        self.version = version
    }

    /// Every field replaced, as the console's form saves.
    public init(connectionID: Int, version: Int, replacingWith settings: ConnectionSettings) {
        self.init(connectionID: connectionID, version: version)
        name = settings.name
        nameForDrivers = settings.nameForDrivers
        type = settings.type
        status = settings.status
        visibility = settings.visibility
        approval = settings.approval
        benefits = settings.benefits
        discountPercent = .some(settings.discountPercent)
        emailDomains = settings.emailDomains
        questions = settings.questions
    }

    /// The stored settings with these changes.
    public func merged(into stored: ConnectionSettings) -> ConnectionSettings {
        var settings = stored
        if let name { settings.name = name }
        if let nameForDrivers { settings.nameForDrivers = nameForDrivers }
        if let type { settings.type = type }
        if let status { settings.status = status }
        if let visibility { settings.visibility = visibility }
        if let approval { settings.approval = approval }
        if let benefits { settings.benefits = benefits }
        if let questions { settings.questions = questions }
        // A linked value not sent goes with what keeps it.
        if let discountPercent { settings.discountPercent = discountPercent }
        else if !settings.benefits.contains(.discountedCharging) { settings.discountPercent = nil }
        if let emailDomains { settings.emailDomains = emailDomains }
        else if settings.approval != .emailDomain { settings.emailDomains = [] }
        return settings.normalized
    }

    public func run(by access: Access, in database: Database) throws -> Int {
        let editor = ConnectionEditor(database: database)
        let stored = try access.require(.manageConnections, onConnection: connectionID, try editor.stored(connectionID)) { $0.organizationID }
        guard version == stored.version else { throw StaleVersion(current: stored) }
        let settings = merged(into: stored.settings)
        let organization = stored.organizationID  // a connection stays in its organization
        let problems = try settings.problems(nameTaken: { try editor.nameTaken(orgID: organization, name: $0, except: connectionID) })
        guard problems.isEmpty else { throw FieldProblems(problems) }
        return try editor.decidedByNameIndex(settings.name) { try database.transaction(locking: [.organization(organization), .connection(connectionID)]) {
            let before = try editor.snapshot(connectionID)
            let changed = try database.change("""
                UPDATE connections SET name = \(p: 2), connection_type = \(p: 3), status = \(p: 4), visibility = \(p: 5), approval_type = \(p: 6),
                    benefits_list = \(p: 7), questions_list = \(p: 8), version = version + 1, updated_at = \(p: 9)
                WHERE id = \(p: 1) AND version = \(p: 10) RETURNING 1
                """, [.init(connectionID), .text(settings.name), .text(settings.type.rawValue), .text(settings.status.rawValue),
                      .text(settings.visibility.rawValue), .text(settings.approval.rawValue),
                      .text(settings.storedBenefits.map(\.label).joined(separator: "\n")), .text(settings.questions.joined(separator: "\n")),
                      .text(DateText.now()), .init(version)]) { $0.int(0) }.first ?? 0
            // Saved by someone else between the read above and this transaction.
            guard changed == 1 else { throw StaleVersion(current: try editor.stored(connectionID) ?? stored) }
            try database.run("UPDATE organizations SET name_for_drivers = \(p: 2) WHERE id = \(p: 1)", [.init(organization), .text(settings.nameForDrivers)])
            for table in ["connection_benefits", "connection_questions", "connection_email_domains"] {
                try database.run("DELETE FROM \(raw: table) WHERE connection_id = \(p: 1)", [.init(connectionID)])
            }
            try ConnectionWriter(database: database).insertChildren(connectionID, benefits: settings.storedBenefits, questions: settings.questions,
                                                                    domains: settings.emailDomains)
            try editor.audit(access, org: organization, action: "Changed connection", subject: settings.name,
                             details: ["before": before, "after": try editor.snapshot(connectionID)])
            try DomainEvents(database: database).record(DomainEvent(
                .connectionUpdated, organization: organization, connection: connectionID,
                payload: ["version": .int(version + 1), "changed": .array(stored.settings.changedFields(to: settings).map(JSON.string))]))
            return version + 1
        } }
    }
}

/// Someone saved the connection after the version a change was made at: nothing was written; the
/// connection as it is now.
public struct StaleVersion: Error, Sendable {
    public let current: StoredConnection
}

/// A connection's settings as stored, with its organization and version.
public struct StoredConnection: Sendable, Equatable {
    public let id: Int
    public let organizationID: Int
    public let version: Int
    public let settings: ConnectionSettings
}

extension UpdateConnection {
    /// What stands in the way of these changes, by field, read without writing (the form shows them
    /// with what it could not read); nil settings: no such connection.
    public func problems(in database: Database) throws -> [String: String] {
        let editor = ConnectionEditor(database: database)
        guard let stored = try editor.stored(connectionID) else { throw UserError.notFound("There is no connection with id \(connectionID).") }
        return try merged(into: stored.settings).problems(nameTaken: {
            try editor.nameTaken(orgID: stored.organizationID, name: $0, except: connectionID)
        })
    }
}
