import Foundation
import Storage

/// Creating, changing, enabling, disabling and deleting connections, for Admins; every change
/// audited with the values before and after.
public struct ConnectionEditor {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    public enum Outcome: Sendable {
        case saved(Int)
        case problems([String: String])
        /// Someone saved first: the connection as it is now.
        case conflict(current: ConnectionDraft)
    }

    func nameTaken(orgID: Int, name: String, except id: Int?) throws -> Bool {
        try database.scalarInt("SELECT count(*) FROM connections WHERE org_id = \(p: 1) AND \(caseless: "name") = \(caseless: 2) AND id \(.isDistinctFrom) \(p: 3)",
                               [.init(orgID), .text(name), id.map { .init($0) } ?? .null]) > 0
    }

    public func create(_ draft: ConnectionDraft, by access: Access) throws -> Outcome {
        if let org = RequestNumber.parse(draft.organizationID, in: RequestNumber.ids) { try access.require(.manageConnections, in: org) }
        switch try draft.validated(existingNames: { try nameTaken(orgID: $0, name: $1, except: nil) }) {
        case .failure(let problems): return .problems(problems.byField)
        case .success(let valid):
            return try decidedByNameIndex(valid.name) { try database.transaction(locking: [.organization(valid.organizationID)]) {
                var random = SystemRandomNumberGenerator()
                let code = try ConnectionInvites(database: database).unusedSearchCode()
                let now = DateText.now()
                try database.run("UPDATE organizations SET name_for_drivers = \(p: 2) WHERE id = \(p: 1)", [.init(valid.organizationID), .text(valid.nameForDrivers)])
                let id = try ConnectionWriter(database: database).insert(NewConnection(
                    orgID: valid.organizationID, name: valid.name, status: valid.status, type: valid.type, approval: valid.approval,
                    visibility: valid.visibility, benefits: valid.benefits, questions: valid.questions, emailDomains: valid.emailDomains,
                    searchCode: code, inviteToken: InviteCodes.inviteToken(using: &random), createdAt: now, updatedAt: now))
                try audit(access, org: valid.organizationID, action: "Created connection", subject: valid.name,
                          details: ["after": try snapshot(id)])
                return .saved(id)
            } }
        }
    }

    /// The name check above runs before the write lock: two saves of one name at the same moment
    /// both pass it. The unique index decides; the loser's transaction rolls back whole and it
    /// gets the field's message. (Search codes are drawn inside the transaction and invite tokens
    /// are 128 random bits, so the name is the only unique value a save can collide on.)
    func decidedByNameIndex(_ name: String, _ save: () throws -> Outcome) throws -> Outcome {
        do {
            return try save()
        } catch let error as StorageError where error.isUniqueViolation {
            return .problems(["name": ConnectionDraft.nameTaken(name)])
        }
    }

    /// The connection's current values as a form draft, and its organization.
    public func draft(_ id: Int) throws -> (draft: ConnectionDraft, organizationID: Int)? {
        guard let row = try database.query("""
            SELECT c.org_id, o.name_for_drivers, c.name, c.connection_type, c.status, c.visibility, c.approval_type, c.version
            FROM connections c JOIN organizations o ON o.id = c.org_id WHERE c.id = \(p: 1)
            """, [.init(id)], row: { row -> (Int, ConnectionDraft) in
                var draft = ConnectionDraft()
                draft.organizationID = String(row.int(0))
                draft.nameForDrivers = row.text(1)
                draft.name = row.text(2)
                draft.type = row.text(3)
                draft.status = row.text(4)
                draft.visibility = row.text(5)
                draft.approval = row.text(6)
                draft.version = String(row.int(7))
                return (row.int(0), draft)
            }).first else { return nil }
        var draft = row.1
        let benefits = try database.query("SELECT kind, discount_percent FROM connection_benefits WHERE connection_id = \(p: 1) ORDER BY position",
                                          [.init(id)]) { ($0.text(0), $0.isNull(1) ? nil : $0.int(1)) }
        draft.benefits = benefits.map(\.0)
        draft.discountPercent = benefits.compactMap(\.1).first.map(String.init) ?? ""
        draft.questions = try database.query("SELECT prompt FROM connection_questions WHERE connection_id = \(p: 1) ORDER BY position", [.init(id)]) { $0.text(0) }
        draft.emailDomains = try database.query("SELECT domain FROM connection_email_domains WHERE connection_id = \(p: 1) ORDER BY domain",
                                                [.init(id)]) { $0.text(0) }.joined(separator: "\n")
        return (draft, row.0)
    }

    /// Saves an edit made at `draft.version`; a newer version on file is a conflict, never overwritten.
    public func update(_ id: Int, _ draft: ConnectionDraft, by access: Access) throws -> Outcome {
        let current = try access.require(.manageConnections, onConnection: id, try self.draft(id)) { $0.organizationID }
        guard let version = RequestNumber.parse(draft.version, in: RequestNumber.ids) else { throw UserError.badRequest("This form has no version to save against. Reload the page and edit again.") }
        var draft = draft
        draft.organizationID = String(current.organizationID)  // a connection stays in its organization
        guard draft.version == current.draft.version else { return .conflict(current: current.draft) }
        switch try draft.validated(existingNames: { try nameTaken(orgID: $0, name: $1, except: id) }) {
        case .failure(let problems): return .problems(problems.byField)
        case .success(let valid):
            return try decidedByNameIndex(valid.name) { try database.transaction(locking: [.organization(valid.organizationID), .connection(id)]) {
                let before = try snapshot(id)
                let changed = try database.change("""
                    UPDATE connections SET name = \(p: 2), connection_type = \(p: 3), status = \(p: 4), visibility = \(p: 5), approval_type = \(p: 6),
                        benefits_list = \(p: 7), questions_list = \(p: 8), version = version + 1, updated_at = \(p: 9)
                    WHERE id = \(p: 1) AND version = \(p: 10) RETURNING 1
                    """, [.init(id), .text(valid.name), .text(valid.type.rawValue), .text(valid.status.rawValue), .text(valid.visibility.rawValue),
                          .text(valid.approval.rawValue), .text(valid.benefits.map(\.label).joined(separator: "\n")),
                          .text(valid.questions.joined(separator: "\n")), .text(DateText.now()), .init(version)]) { $0.int(0) }.first ?? 0
                guard changed == 1 else { return .conflict(current: current.draft) }
                try database.run("UPDATE organizations SET name_for_drivers = \(p: 2) WHERE id = \(p: 1)", [.init(valid.organizationID), .text(valid.nameForDrivers)])
                for table in ["connection_benefits", "connection_questions", "connection_email_domains"] {
                    try database.run("DELETE FROM \(raw: table) WHERE connection_id = \(p: 1)", [.init(id)])
                }
                try ConnectionWriter(database: database).insertChildren(id, benefits: valid.benefits, questions: valid.questions, domains: valid.emailDomains)
                try audit(access, org: valid.organizationID, action: "Changed connection", subject: valid.name,
                          details: ["before": before, "after": try snapshot(id)])
                return .saved(id)
            } }
        }
    }

    public func setStatus(_ ids: [Int], to status: ConnectionStatus, by access: Access) throws -> Int {
        try database.transaction(locking: ids.map(LockKey.connection)) {
            var changed = 0
            for id in ids {
                let row = try access.require(.manageConnections, onConnection: id, try database.query(
                    "SELECT org_id, name, status FROM connections WHERE id = \(p: 1)", [.init(id)], row: { (org: $0.int(0), name: $0.text(1), status: $0.text(2)) }
                ).first) { $0.org }
                guard row.status != status.rawValue else { continue }
                try database.run("UPDATE connections SET status = \(p: 2), version = version + 1, updated_at = \(p: 3) WHERE id = \(p: 1)",
                                 [.init(id), .text(status.rawValue), .text(DateText.now())])
                try audit(access, org: row.org, action: status == .enabled ? "Enabled connection" : "Disabled connection", subject: row.name,
                          details: ["before": row.status, "after": status.rawValue])
                changed += 1
            }
            return changed
        }
    }

    /// Only a connection no driver is connected to: otherwise disable it. Checked inside the write
    /// transaction, so a driver connected meanwhile is never deleted with it.
    public func delete(_ id: Int, by access: Access) throws {
        try database.transaction(locking: [.connection(id)]) {
            let row = try access.require(.manageConnections, onConnection: id, try database.query(
                "SELECT org_id, name, connected_drivers FROM connections WHERE id = \(p: 1)", [.init(id)], row: {
                    (org: $0.int(0), name: $0.text(1), connected: $0.int(2))
                }).first) { $0.org }
            guard row.connected == 0 else {
                throw UserError.conflict("\(row.name) has \(row.connected) connected driver\(row.connected == 1 ? "" : "s"): disable it instead, so they keep their history.")
            }
            let before = try snapshot(id)
            try database.run("DELETE FROM membership_answers WHERE membership_id IN (SELECT id FROM memberships WHERE connection_id = \(p: 1))", [.init(id)])
            try database.run("DELETE FROM memberships WHERE connection_id = \(p: 1)", [.init(id)])
            try database.run("DELETE FROM connections WHERE id = \(p: 1)", [.init(id)])
            try audit(access, org: row.org, action: "Deleted connection", subject: row.name, details: ["before": before])
        }
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
