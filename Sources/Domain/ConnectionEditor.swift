import Foundation
import Storage

/// A connection's settings as stored, read for its form, its commands and their audit entries
/// (the writes are commands: `CreateConnection`, `UpdateConnection`, `SetConnectionStatus`,
/// `DeleteConnection`).
public struct ConnectionEditor {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    func nameTaken(orgID: Int, name: String, except id: Int?) throws -> Bool {
        try database.scalarInt("SELECT count(*) FROM connections WHERE org_id = \(p: 1) AND \(caseless: "name") = \(caseless: 2) AND id \(.isDistinctFrom) \(p: 3)",
                               [.init(orgID), .text(name), id.map { .init($0) } ?? .null]) > 0
    }

    /// The name check runs before the write lock: two saves of one name at the same moment both
    /// pass it. The unique index decides; the loser's transaction rolls back whole and it gets the
    /// field's message. (Search codes are drawn inside the transaction and invite tokens are 128
    /// random bits, so the name is the only unique value a save can collide on.)
    func decidedByNameIndex<Outcome>(_ name: String, _ save: () throws -> Outcome) throws -> Outcome {
        do {
            return try save()
        } catch let error as StorageError where error.isUniqueViolation {
            throw FieldProblems(["name": ConnectionDraft.nameTaken(name)])
        }
    }

    /// The connection's stored settings, organization and version; nil when there is none.
    public func stored(_ id: Int) throws -> StoredConnection? {
        guard let row = try database.query("""
            SELECT c.org_id, o.name_for_drivers, c.name, c.connection_type, c.status, c.visibility, c.approval_type, c.version
            FROM connections c JOIN organizations o ON o.id = c.org_id WHERE c.id = \(p: 1)
            """, [.init(id)], row: { row in
                let key = "id \(id)"
                return (organization: row.int(0), version: row.int(7), settings: ConnectionSettings(
                    name: row.text(2), nameForDrivers: row.text(1), type: try row.decode(ConnectionType.self, 3, table: "connections", key: key),
                    status: try row.decode(ConnectionStatus.self, 4, table: "connections", key: key),
                    visibility: try row.decode(Visibility.self, 5, table: "connections", key: key),
                    approval: try row.decode(ApprovalType.self, 6, table: "connections", key: key), benefits: []))
            }).first else { return nil }
        var settings = row.settings
        let benefits = try database.query("SELECT kind, discount_percent FROM connection_benefits WHERE connection_id = \(p: 1) ORDER BY position",
                                          [.init(id)]) { (try $0.decode(BenefitKind.self, 0, table: "connection_benefits", key: "connection_id \(id)"),
                                                          $0.isNull(1) ? nil : $0.int(1)) }
        settings.benefits = benefits.map(\.0)
        settings.discountPercent = benefits.compactMap(\.1).first
        settings.questions = try database.query("SELECT prompt FROM connection_questions WHERE connection_id = \(p: 1) ORDER BY position", [.init(id)]) { $0.text(0) }
        settings.emailDomains = try database.query("SELECT domain FROM connection_email_domains WHERE connection_id = \(p: 1) ORDER BY domain",
                                                   [.init(id)]) { $0.text(0) }
        return StoredConnection(id: id, organizationID: row.organization, version: row.version, settings: settings)
    }

    /// The connection's current values as a form draft, and its organization.
    public func draft(_ id: Int) throws -> (draft: ConnectionDraft, organizationID: Int)? {
        try stored(id).map { (ConnectionDraft($0.settings, organizationID: $0.organizationID, version: $0.version), $0.organizationID) }
    }

    /// The fields an audit entry records, as one line of JSON.
    func snapshot(_ id: Int) throws -> String {
        guard let (draft, _) = try draft(id) else { return "{}" }
        let texts = ["name": draft.name, "type": draft.type, "status": draft.status, "visibility": draft.visibility, "approval": draft.approval,
                     "discount": draft.discountPercent, "domains": draft.emailDomains, "name_for_drivers": draft.nameForDrivers]
        let lists = ["benefits": draft.benefits, "questions": draft.questions]
        return JSON.sorted(texts.mapValues(JSON.string).merging(lists.mapValues { .array($0.map(JSON.string)) }) { $1 }).text
    }

    func audit(_ access: Access, org: Int, action: String, subject: String, details: [String: String]) throws {
        try AuditLog(database: database).record(by: access, organizationID: org, action: action,
                                                subject: subject, details: details)
    }
}
