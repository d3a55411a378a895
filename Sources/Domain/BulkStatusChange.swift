import Foundation
import Storage

/// Enabling or disabling many connections at once from the table: what changed, what was skipped
/// and why, and its Undo. For `undoWindow` the session that made a change may undo it, once: the
/// rows it changed go back, unless someone changed one since (its version moved), which is left
/// as it is and reported. Each change, and the Undo, is audited.
public struct BulkStatusChange {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// How long a bulk change can be undone.
    public static let undoWindow: TimeInterval = 600
    /// Connections written per transaction: each takes its connection's lock, and PostgreSQL keeps
    /// advisory locks in a shared table of a few thousand entries.
    static let chunk = 500

    /// What a bulk change (or its Undo) said, for its notice.
    public struct Record: Sendable {
        public let id: Int
        public let outcome: String
        public let undoUntil: String
        /// The Undo's own outcome, once undone.
        public let undoOutcome: String?
        /// The Undo can still be pressed.
        public var undoable: Bool { undoOutcome == nil && undoUntil > DateText.now() }
    }

    /// Sets `ids` to `status`, skipping those already so or gone; returns the change's id, for its notice and Undo.
    public func apply(_ ids: [Int], to status: ConnectionStatus, by access: Access, sessionHash: String) throws -> Int {
        let now = Date()
        var bulkID = 0, changed = 0
        var skipped: [String: Int] = [:]
        let chunks = stride(from: 0, to: max(ids.count, 1), by: Self.chunk).map { Array(ids[$0..<min($0 + Self.chunk, ids.count)]) }
        for (index, chunk) in chunks.enumerated() {
            try database.transaction(locking: chunk.map(LockKey.connection) + [.user(access.userID)]) {
                if index == 0 {
                    // Older changes can no longer be undone: only their notices, for a day, are worth keeping.
                    try database.run("DELETE FROM bulk_changes WHERE created_at < \(p: 1)", [.text(DateText.store(now.addingTimeInterval(-86_400)))])
                    bulkID = try database.insertReturningID("""
                        INSERT INTO bulk_changes (user_id, session_hash, status, outcome, created_at, undo_until)
                        VALUES (\(p: 1), \(p: 2), \(p: 3), '', \(p: 4), \(p: 5))
                        """, [.init(access.userID), .text(sessionHash), .text(status.rawValue), .text(DateText.store(now)),
                              .text(DateText.store(now.addingTimeInterval(Self.undoWindow)))])
                }
                for id in chunk {
                    guard let row = try current(id) else { skipped["deleted meanwhile", default: 0] += 1; continue }
                    _ = try access.require(.manageConnections, onConnection: id, row) { $0.org }
                    guard row.status != status.rawValue else { skipped["already \(status.rawValue.lowercased())", default: 0] += 1; continue }
                    let version = try write(id, row, to: status, by: access, details: [:])
                    try database.run("INSERT INTO bulk_change_rows (bulk_id, connection_id, version) VALUES (\(p: 1), \(p: 2), \(p: 3))",
                                     [.init(bulkID), .init(id), .init(version)])
                    changed += 1
                }
                if index == chunks.count - 1 {
                    let verb = status == .enabled ? "Enabled" : "Disabled"
                    try database.run("UPDATE bulk_changes SET outcome = \(p: 2) WHERE id = \(p: 1)",
                                     [.init(bulkID), .text(Self.sentence("\(verb) \(Self.connections(changed))", skipped: skipped))])
                }
            }
        }
        return bulkID
    }

    /// Reverses a bulk change of this session, once, within its window.
    public func undo(_ bulkID: Int, by access: Access, sessionHash: String) throws {
        guard let change = try database.query("SELECT status, undo_until, undone_at FROM bulk_changes WHERE id = \(p: 1) AND user_id = \(p: 2) AND session_hash = \(p: 3)",
                                              [.init(bulkID), .init(access.userID), .text(sessionHash)], row: { ($0.text(0), $0.text(1), $0.isNull(2)) }).first,
              let done = ConnectionStatus(rawValue: change.0) else {
            throw UserError.notFound("There is no change of yours to undo here: Undo works only in the browser session that made the change.")
        }
        guard change.2 else { throw UserError.conflict("This change was undone already.") }
        guard change.1 > DateText.now() else {
            throw UserError.conflict("This change can no longer be undone: Undo lasts \(Int(Self.undoWindow / 60)) minutes. Change the rows again instead.")
        }
        let rows = try database.query("SELECT connection_id, version FROM bulk_change_rows WHERE bulk_id = \(p: 1) ORDER BY connection_id",
                                      [.init(bulkID)]) { (id: $0.int(0), version: $0.int(1)) }
        let back: ConnectionStatus = done == .enabled ? .disabled : .enabled
        var restored = 0
        var skipped: [String: Int] = [:]
        var organizations: [Int: Int] = [:]
        let chunks = stride(from: 0, to: max(rows.count, 1), by: Self.chunk).map { Array(rows[$0..<min($0 + Self.chunk, rows.count)]) }
        for (index, chunk) in chunks.enumerated() {
            try database.transaction(locking: chunk.map { LockKey.connection($0.id) } + [.user(access.userID)]) {
                if index == 0 {
                    // Claimed in the first write: a second Undo, even at the same moment, finds it taken.
                    guard try database.change("UPDATE bulk_changes SET undone_at = \(p: 2) WHERE id = \(p: 1) AND undone_at IS NULL RETURNING id",
                                              [.init(bulkID), .text(DateText.now())], row: { $0.int(0) }).count == 1 else {
                        throw UserError.conflict("This change was undone already.")
                    }
                }
                for changed in chunk {
                    guard let row = try current(changed.id) else { skipped["deleted since", default: 0] += 1; continue }
                    guard row.version == changed.version else { skipped["changed since by someone else", default: 0] += 1; continue }
                    guard access.roles[row.org]?.allows(.manageConnections) == true else {
                        skipped["your role no longer allows it", default: 0] += 1
                        continue
                    }
                    _ = try write(changed.id, row, to: back, by: access, details: ["undo": "bulk change \(bulkID)"])
                    organizations[row.org, default: 0] += 1
                    restored += 1
                }
                if index == chunks.count - 1 {
                    let verb = back == .enabled ? "enabled" : "disabled"
                    let outcome = Self.sentence("Undone: \(verb) \(Self.connections(restored)) again", skipped: skipped)
                    try database.run("UPDATE bulk_changes SET undo_outcome = \(p: 2) WHERE id = \(p: 1)", [.init(bulkID), .text(outcome)])
                    // One entry per organization whose rows went back; one of no organization when none did.
                    let entries: [(org: Int?, count: Int)] = organizations.isEmpty ? [(nil, 0)] : organizations.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
                    for entry in entries {
                        try AuditLog(database: database).record(by: access, organizationID: entry.org, action: "Undid a bulk change",
                                                                subject: "\(back == .enabled ? "Enabled" : "Disabled") \(Self.connections(entry.count)) again",
                                                                details: ["bulk_change": String(bulkID), "skipped": String(skipped.values.reduce(0, +))])
                    }
                }
            }
        }
    }

    /// A change's notice, for the session that made it; nil for any other.
    public func record(_ bulkID: Int, userID: Int, sessionHash: String) throws -> Record? {
        try database.query("SELECT id, outcome, undo_until, undo_outcome FROM bulk_changes WHERE id = \(p: 1) AND user_id = \(p: 2) AND session_hash = \(p: 3)",
                           [.init(bulkID), .init(userID), .text(sessionHash)]) {
            Record(id: $0.int(0), outcome: $0.text(1), undoUntil: $0.text(2), undoOutcome: $0.isNull(3) ? nil : $0.text(3))
        }.first
    }

    private typealias Row = (org: Int, name: String, status: String, version: Int)

    private func current(_ id: Int) throws -> Row? {
        try database.query("SELECT org_id, name, status, version FROM connections WHERE id = \(p: 1)", [.init(id)]) {
            (org: $0.int(0), name: $0.text(1), status: $0.text(2), version: $0.int(3))
        }.first
    }

    /// One connection's status, audited and told as a single change is (`SetConnectionStatus`); returns its new version.
    private func write(_ id: Int, _ row: Row, to status: ConnectionStatus, by access: Access, details: [String: String]) throws -> Int {
        let version = try database.change("UPDATE connections SET status = \(p: 2), version = version + 1, updated_at = \(p: 3) WHERE id = \(p: 1) RETURNING version",
                                          [.init(id), .text(status.rawValue), .text(DateText.now())]) { $0.int(0) }.first ?? row.version + 1
        try AuditLog(database: database).record(by: access, organizationID: row.org, action: status == .enabled ? "Enabled connection" : "Disabled connection",
                                                subject: row.name, details: details.merging(["before": row.status, "after": status.rawValue]) { $1 })
        try DomainEvents(database: database).record(DomainEvent(.connectionStatusChanged, organization: row.org, connection: id,
                                                                payload: ["status": .string(status.rawValue)]))
        return version
    }

    static func connections(_ n: Int) -> String { "\(n) connection\(n == 1 ? "" : "s")" }

    /// "Disabled 2 connections. Skipped 1: already disabled."
    static func sentence(_ done: String, skipped: [String: Int]) -> String {
        let total = skipped.values.reduce(0, +)
        guard total > 0 else { return done + "." }
        let reasons = skipped.count == 1 ? skipped.keys.first! : skipped.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        return "\(done). Skipped \(total): \(reasons)."
    }
}
