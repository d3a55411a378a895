import Storage

/// A saved view: a name for the connections table's address (its query string, without the page),
/// the owner's own or shared with one organization. The address stays the truth: a view opens as
/// its address, so relative dates in it mean the days around the day it is opened.
public struct SavedView: Sendable, Equatable {
    public let id: Int
    public let ownerID: Int
    /// nil: personal; otherwise the organization it is shared with (read by every member).
    public let organizationID: Int?
    public let name: String
    /// The table state's query, as `TableState.queryPairs` writes it (no `page`, no `view`).
    public let query: String
    public let updatedAt: String

    /// Personal views by their owner; shared ones by the organization's Admins and officers.
    public func mayChange(_ access: Access) -> Bool {
        guard let organizationID else { return ownerID == access.userID }
        return access.roles[organizationID]?.allows(.shareViews) == true
    }
}

/// Reading saved views and each user's default; the changes are the commands in `Commands/ViewCommands.swift`.
public struct SavedViews {
    let database: Database

    public static let longestName = 100
    public static let longestQuery = 8000

    public init(database: Database) {
        self.database = database
    }

    static let columns: SQLFragment = "v.id, v.owner_id, v.org_id, v.name, v.query, v.updated_at"

    static func view(_ row: Statement) -> SavedView {
        SavedView(id: row.int(0), ownerID: row.int(1), organizationID: row.isNull(2) ? nil : row.int(2), name: row.text(3),
                  query: row.text(4), updatedAt: row.text(5))
    }

    /// The user's own views, then those shared with the user's organizations, each by name.
    public func visible(to access: Access) throws -> [SavedView] {
        try database.query("""
            SELECT \(Self.columns) FROM saved_views v
            WHERE (v.org_id IS NULL AND v.owner_id = \(p: 1)) OR v.org_id IN (\(ids: 2))
            ORDER BY v.org_id IS NOT NULL, \(caseless: "v.name"), v.id
            """, [.init(access.userID), .idList(access.organizationIDs)], row: Self.view)
    }

    /// A view the user may read; another user's personal view and another organization's answer 404 alike.
    public func view(_ id: Int, for access: Access) throws -> SavedView {
        let found = try database.query("SELECT \(Self.columns) FROM saved_views v WHERE v.id = \(p: 1)", [.init(id)], row: Self.view).first
        guard let view = found, view.organizationID.map({ access.roles[$0] != nil }) ?? (view.ownerID == access.userID) else {
            throw UserError.notFound("There is no such view.")
        }
        return view
    }

    /// The view the table opens with when its address names none, if the user chose one (and may still read it).
    public func defaultView(for access: Access) throws -> SavedView? {
        let id = try database.query("SELECT view_id FROM view_defaults WHERE user_id = \(p: 1)", [.init(access.userID)]) { $0.int(0) }.first
        guard let id else { return nil }
        return try? view(id, for: access)
    }
}
