import Foundation
import Storage

/// Saves the table's state as a new view: the user's own, or shared with an organization (its
/// Admins and officers may; every member reads it).
public struct SaveView: Command {
    public let name: String
    public let query: String
    public let organizationID: Int?

    public init(name: String, query: String, sharedWith organizationID: Int?) {
        self.name = name
        self.query = query
        self.organizationID = organizationID
    }

    public func run(by access: Access, in database: Database) throws -> SavedView {
        if let organizationID { try access.require(.shareViews, in: organizationID) }
        let name = try ChangeView.validName(name)
        try ChangeView.requireQuery(query)
        return try database.transaction(locking: [organizationID.map(LockKey.organization) ?? .user(access.userID)]) {
            let now = DateText.now()
            let id = try database.insertReturningID("""
                INSERT INTO saved_views (owner_id, org_id, name, query, created_at, updated_at) VALUES (\(p: 1), \(p: 2), \(p: 3), \(p: 4), \(p: 5), \(p: 5))
                """, [.init(access.userID), organizationID.map { .init($0) } ?? .null, .text(name), .text(query), .text(now)])
            try AuditLog(database: database).record(by: access, organizationID: organizationID, action: "View saved", subject: name,
                                                   details: ["view": String(id), "query": query, "shared": organizationID == nil ? "no" : "yes"])
            return SavedView(id: id, ownerID: access.userID, organizationID: organizationID, name: name, query: query, updatedAt: now)
        }
    }
}

/// Changes a saved view: Save (its state becomes the table's current one), rename, delete; or makes
/// it the user's default view (anyone who may read it), or clears the default.
public struct ChangeView: Command {
    public enum Change: Sendable, Equatable {
        case save(query: String)
        case rename(String)
        case delete
        case makeDefault
        case clearDefault
    }

    public let id: Int
    public let change: Change

    public init(id: Int, _ change: Change) {
        self.id = id
        self.change = change
    }

    static func validName(_ name: String) throws -> String {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw UserError.badRequest("Give the view a name.") }
        guard StoredText.length(trimmed) <= SavedViews.longestName, !StoredText.hasControlCharacter(trimmed) else {
            throw UserError.badRequest("A view’s name is one line of at most \(SavedViews.longestName) characters.")
        }
        return trimmed
    }

    static func requireQuery(_ query: String) throws(UserError) {
        guard query.utf8.count <= SavedViews.longestQuery else {
            throw .badRequest("This table state is too long to save as a view (at most \(SavedViews.longestQuery) characters).")
        }
    }

    /// The view as it is after the change (nil once deleted).
    @discardableResult
    public func run(by access: Access, in database: Database) throws -> SavedView? {
        let view = try SavedViews(database: database).view(id, for: access)
        if change == .makeDefault || change == .clearDefault {
            // The user's own choice, as column preferences are: no audit entry.
            try database.transaction(locking: [.user(access.userID)]) {
                try database.run("DELETE FROM view_defaults WHERE user_id = \(p: 1)", [.init(access.userID)])
                if change == .makeDefault {
                    try database.run("INSERT INTO view_defaults (user_id, view_id) VALUES (\(p: 1), \(p: 2))", [.init(access.userID), .init(id)])
                }
            }
            return view
        }
        guard view.mayChange(access) else {
            throw UserError.forbidden(view.organizationID == nil ? "Only its owner changes a personal view."
                                      : "Only the organization's Admins and Connections officers change its shared views.")
        }
        return try database.transaction(locking: [view.organizationID.map(LockKey.organization) ?? .user(view.ownerID)]) {
            let now = DateText.now()
            let audit = AuditLog(database: database)
            switch change {
            case .save(let query):
                try Self.requireQuery(query)
                try database.run("UPDATE saved_views SET query = \(p: 2), updated_at = \(p: 3) WHERE id = \(p: 1)", [.init(id), .text(query), .text(now)])
                try audit.record(by: access, organizationID: view.organizationID, action: "View changed", subject: view.name,
                                 details: ["view": String(id), "query": query, "before": view.query])
                return SavedView(id: id, ownerID: view.ownerID, organizationID: view.organizationID, name: view.name, query: query, updatedAt: now)
            case .rename(let name):
                let name = try Self.validName(name)
                try database.run("UPDATE saved_views SET name = \(p: 2), updated_at = \(p: 3) WHERE id = \(p: 1)", [.init(id), .text(name), .text(now)])
                try audit.record(by: access, organizationID: view.organizationID, action: "View renamed", subject: name,
                                 details: ["view": String(id), "before": view.name])
                return SavedView(id: id, ownerID: view.ownerID, organizationID: view.organizationID, name: name, query: view.query, updatedAt: now)
            case .delete:
                try database.run("DELETE FROM saved_views WHERE id = \(p: 1)", [.init(id)])
                try audit.record(by: access, organizationID: view.organizationID, action: "View deleted", subject: view.name,
                                 details: ["view": String(id), "query": view.query])
                return nil
            case .makeDefault, .clearDefault:
                return view
            }
        }
    }
}
