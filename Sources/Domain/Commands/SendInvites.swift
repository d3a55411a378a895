import Storage

/// A host emails invites to a pasted list of addresses for one connection (`EmailInvites` checks the
/// list, skips duplicates and connected drivers, and holds the daily limit); the outcome is the
/// batch as sent.
public struct SendInvites: Command {
    public let addresses: String
    public let connectionID: Int
    public var dailyLimit = EmailInvites.perOrganizationPerDay

    public init(_ addresses: String, connectionID: Int, dailyLimit: Int = EmailInvites.perOrganizationPerDay) {
        self.addresses = addresses
        self.connectionID = connectionID
        self.dailyLimit = dailyLimit
    }

    public func run(by access: Access, in database: Database) throws -> EmailInvites.Check {
        try EmailInvites(database: database).send(addresses, connectionID: connectionID, by: access, dailyLimit: dailyLimit)
    }
}
