import Storage

/// The lock keys of the connections whose requests a transaction changes, read before it begins:
/// a request changes under its connection's rules (a decision, asking again, a confirmed address
/// must not cross a join or another decision), and a membership never moves to another connection,
/// so reading its connection first is safe.
enum MembershipKeys {
    static func connections(of memberships: [Int], in database: Database) throws -> [LockKey] {
        try database.query("SELECT DISTINCT connection_id FROM memberships WHERE id IN (\(ids: 1))", [.idList(memberships)]) { .connection($0.int(0)) }
    }

    /// The connection of the request a status link leads to (none: the transaction says not found).
    static func connection(statusToken: String, in database: Database) throws -> [LockKey] {
        try database.query("SELECT m.connection_id FROM memberships m WHERE \(StatusLinks.leadsTo("m", parameter: "\(p: 1)"))",
                           [.text(Secret.hash(statusToken))]) { .connection($0.int(0)) }
    }

    /// The connection of the request an email confirmation link belongs to.
    static func connection(confirmationToken: String, in database: Database) throws -> [LockKey] {
        try database.query("""
            SELECT m.connection_id FROM email_confirmations e JOIN memberships m ON m.id = e.membership_id WHERE e.token_hash = \(p: 1)
            """, [.text(Secret.hash(confirmationToken))]) { .connection($0.int(0)) }
    }
}
