import Storage

/// An Admin enables or disables many connections from the table (`BulkStatusChange`): those already
/// so, or gone, are skipped and said; the outcome is the change's id, for its notice and its Undo.
public struct SetConnectionStatusInBulk: Command {
    public let connectionIDs: [Int]
    public let status: ConnectionStatus
    /// The session that may undo it (the hash of its token, as `sessions` stores it).
    public let sessionHash: String

    public init(_ connectionIDs: [Int], to status: ConnectionStatus, sessionHash: String) {
        self.connectionIDs = connectionIDs
        self.status = status
        self.sessionHash = sessionHash
    }

    public func run(by access: Access, in database: Database) throws -> Int {
        try BulkStatusChange(database: database).apply(connectionIDs, to: status, by: access, sessionHash: sessionHash)
    }
}

/// The Undo of a bulk change, by the session that made it, once, within its window.
public struct UndoBulkStatusChange: Command {
    public let bulkID: Int
    public let sessionHash: String

    public init(_ bulkID: Int, sessionHash: String) {
        self.bulkID = bulkID
        self.sessionHash = sessionHash
    }

    public func run(by access: Access, in database: Database) throws {
        try BulkStatusChange(database: database).undo(bulkID, by: access, sessionHash: sessionHash)
    }
}
