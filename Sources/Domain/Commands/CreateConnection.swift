import Storage

/// An Admin creates a connection in one of their organizations (with a new search code and invite
/// link); its outcome is the new connection's id.
public struct CreateConnection: Command {
    public var organizationID: Int
    public var settings: ConnectionSettings

    public init(organizationID: Int, _ settings: ConnectionSettings) {
        self.organizationID = organizationID
        self.settings = settings.normalized
    }

    /// What stands in the way, by field (the name taken is read outside any transaction: the unique
    /// index decides a race, see `ConnectionEditor.decidedByNameIndex`).
    public func problems(in database: Database) throws -> [String: String] {
        let editor = ConnectionEditor(database: database)
        return try settings.problems(nameTaken: { try editor.nameTaken(orgID: organizationID, name: $0, except: nil) })
    }

    public func run(by access: Access, in database: Database) throws -> Int {
        try access.require(.manageConnections, in: organizationID)
        let problems = try problems(in: database)
        guard problems.isEmpty else { throw FieldProblems(problems) }
        let editor = ConnectionEditor(database: database)
        return try editor.decidedByNameIndex(settings.name) { try database.transaction(locking: [.organization(organizationID)]) {
            var random = SystemRandomNumberGenerator()
            let code = try ConnectionInvites(database: database).unusedSearchCode()
            let now = DateText.now()
            try database.run("UPDATE organizations SET name_for_drivers = \(p: 2) WHERE id = \(p: 1)", [.init(organizationID), .text(settings.nameForDrivers)])
            let id = try ConnectionWriter(database: database).insert(NewConnection(
                orgID: organizationID, name: settings.name, status: settings.status, type: settings.type, approval: settings.approval,
                visibility: settings.visibility, benefits: settings.storedBenefits, questions: settings.questions, emailDomains: settings.emailDomains,
                searchCode: code, inviteToken: InviteCodes.inviteToken(using: &random), createdAt: now, updatedAt: now))
            try editor.audit(access, org: organizationID, action: "Created connection", subject: settings.name,
                             details: ["after": try editor.snapshot(id)])
            try DomainEvents(database: database).record(DomainEvent(.connectionCreated, organization: organizationID, connection: id,
                                                                    payload: ["name": .string(settings.name)]))
            return id
        } }
    }
}
