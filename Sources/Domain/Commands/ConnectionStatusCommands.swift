import Storage

/// An Admin enables or disables connections, all or none (the table's bulk action takes many); the
/// outcome is how many changed (one already so is left as it is, with no event).
public struct SetConnectionStatus: Command {
    public let connectionIDs: [Int]
    public let status: ConnectionStatus

    public init(_ connectionIDs: [Int], to status: ConnectionStatus) {
        self.connectionIDs = connectionIDs
        self.status = status
    }

    public func run(by access: Access, in database: Database) throws -> Int {
        try database.transaction(locking: connectionIDs.map(LockKey.connection)) {
            var changed = 0
            for id in connectionIDs {
                let row = try access.require(.manageConnections, onConnection: id, try database.query(
                    "SELECT org_id, name, status FROM connections WHERE id = \(p: 1)", [.init(id)], row: { (org: $0.int(0), name: $0.text(1), status: $0.text(2)) }
                ).first) { $0.org }
                guard row.status != status.rawValue else { continue }
                try database.run("UPDATE connections SET status = \(p: 2), version = version + 1, updated_at = \(p: 3) WHERE id = \(p: 1)",
                                 [.init(id), .text(status.rawValue), .text(DateText.now())])
                try AuditLog(database: database).record(by: access, organizationID: row.org, action: status == .enabled ? "Enabled connection" : "Disabled connection",
                                                       subject: row.name, details: ["before": row.status, "after": status.rawValue])
                try DomainEvents(database: database).record(DomainEvent(.connectionStatusChanged, organization: row.org, connection: id,
                                                                        payload: ["status": .string(status.rawValue)]))
                changed += 1
            }
            return changed
        }
    }
}

/// An Admin deletes a connection no driver is connected to (otherwise: disable it). Checked inside
/// the write transaction, so a driver connected meanwhile is never deleted with it.
public struct DeleteConnection: Command {
    public let connectionID: Int

    public init(_ connectionID: Int) {
        self.connectionID = connectionID
    }

    public func run(by access: Access, in database: Database) throws {
        try database.transaction(locking: [.connection(connectionID)]) {
            let id = connectionID
            let row = try access.require(.manageConnections, onConnection: id, try database.query(
                "SELECT org_id, name, connected_drivers FROM connections WHERE id = \(p: 1)", [.init(id)], row: {
                    (org: $0.int(0), name: $0.text(1), connected: $0.int(2))
                }).first) { $0.org }
            guard row.connected == 0 else {
                throw UserError.conflict("\(row.name) has \(row.connected) connected driver\(row.connected == 1 ? "" : "s"): disable it instead, so they keep their history.")
            }
            let before = try ConnectionEditor(database: database).snapshot(id)
            try database.run("DELETE FROM membership_answers WHERE membership_id IN (SELECT id FROM memberships WHERE connection_id = \(p: 1))", [.init(id)])
            try database.run("DELETE FROM memberships WHERE connection_id = \(p: 1)", [.init(id)])
            try database.run("DELETE FROM connections WHERE id = \(p: 1)", [.init(id)])
            try AuditLog(database: database).record(by: access, organizationID: row.org, action: "Deleted connection", subject: row.name, details: ["before": before])
            try DomainEvents(database: database).record(DomainEvent(.connectionDeleted, organization: row.org, connection: id,
                                                                    payload: ["name": .string(row.name)]))
        }
    }
}
