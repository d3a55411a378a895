import Storage

/// A host emails invites to a pasted list of addresses for one connection: the list is checked
/// again (`EmailInvites.check`: duplicates and connected drivers skipped), one invite per address
/// is queued within the organization's daily limit, audited, all in one transaction. The outcome
/// is the batch as sent.
public struct SendInvites: Command {
    public let addresses: String
    public let connectionID: Int
    public let dailyLimit: Int

    public init(_ addresses: String, connectionID: Int, dailyLimit: Int = EmailInvites.perOrganizationPerDay) {
        self.addresses = addresses
        self.connectionID = connectionID
        self.dailyLimit = dailyLimit
    }

    public func run(by access: Access, in database: Database) throws -> EmailInvites.Check {
        guard let connection = try database.query("""
            SELECT c.org_id, c.name, o.name_for_drivers FROM connections c JOIN organizations o ON o.id = c.org_id WHERE c.id = \(p: 1)
            """, [.init(connectionID)], row: { (org: $0.int(0), name: $0.text(1), forDrivers: $0.text(2)) }).first else {
            throw UserError.notFound("There is no connection with id \(connectionID).")
        }
        try access.require(.inviteDrivers, onConnection: connectionID, ownedBy: connection.org)
        let invites = EmailInvites(database: database)
        return try database.transaction(locking: [.organization(connection.org), .connection(connectionID)]) {
            let check = try invites.check(addresses, connectionID: connectionID)
            guard !check.addresses.isEmpty else { throw UserError.badRequest("None of these addresses is left to invite.") }
            let remaining = try invites.remainingToday(organizationID: connection.org, limit: dailyLimit)
            guard check.addresses.count <= remaining else {
                throw UserError.tooManyRequests("An organization may send \(dailyLimit) email invites in 24 hours; \(remaining) are left now. "
                                                + "Send fewer, or the rest later.", retryAfterSeconds: 3600)
            }
            let outbox = Outbox(database: database)
            let payload = ["organization": connection.forDrivers, "connection": connection.name, "connectionID": String(connectionID)]
            for address in check.addresses {
                try outbox.enqueue(.invite, to: address, organizationID: connection.org, payload: payload)
            }
            try AuditLog(database: database).record(actorID: access.userID, actor: access.email, organizationID: connection.org,
                                                   action: "Invited drivers by email", subject: connection.name, details: [
                                                       "invited": String(check.addresses.count), "duplicates": String(check.duplicates),
                                                       "already connected": String(check.alreadyConnected),
                                                       "not addresses": String(check.invalidCount),
                                                   ])
            try DomainEvents(database: database).record(DomainEvent(.invitesSent, organization: connection.org, connection: connectionID,
                                                                    payload: ["invited": .int(check.addresses.count)]))
            return check
        }
    }
}
