import Storage

/// How a column's values read, compare and export.
public enum ColumnKind: Sendable, Equatable {
    case text
    case number
    /// A number that names something (Org ID): compared as a number, shown without separators.
    case identifier
    case enumeration([String])
    /// Several items, stored one per line.
    case list
    case date
    /// An invite token, shown and exported as the absolute invite link.
    case inviteLink
}

/// One column of the connections table. Table headers, sort links, the filter
/// drop-down, the column picker and the exports all read these entries.
public struct Column: Sendable, Equatable {
    /// Stable key used in URLs and saved preferences.
    public let key: String
    /// The label the page description uses.
    public let label: String
    /// SQL over `c` (connections) and `o` (organizations). Catalog text, never user input.
    public let expression: String
    public let kind: ColumnKind
    public let visibleByDefault: Bool
    public let exportable: Bool
    /// How filters find matching rows without reading every one.
    let search: ColumnSearch
    /// The permission a user needs, besides viewing connections, to see this column's values:
    /// invite secrets are for those who may invite drivers. nil: anyone who sees the table.
    public let seenWith: Permission?

    init(key: String, label: String, expression: String, kind: ColumnKind, visibleByDefault: Bool,
         exportable: Bool = true, search: ColumnSearch = .scan, seenWith: Permission? = nil) {
        self.seenWith = seenWith
        self.key = key
        self.label = label
        self.expression = expression
        self.kind = kind
        self.visibleByDefault = visibleByDefault
        self.exportable = exportable
        self.search = search
    }

    /// Text sorts without regard to case, matching the caseless indexes.
    public var sortExpression: SQLFragment { sortsCaseless ? "\(caseless: SQLFragment(raw: expression))" : SQLFragment(raw: expression) }

    /// A value compared with `sortExpression` (a cursor's): the same collation on both sides, so
    /// that PostgreSQL, where caseless is lower(), lowers both.
    func sortValue(_ value: SQLValue) -> SQLFragment { sortsCaseless ? "\(caseless: "\(bind: value)")" : "\(bind: value)" }

    private var sortsCaseless: Bool {
        switch kind {
        case .text, .list: return true
        case .number, .identifier, .enumeration, .date, .inviteLink: return false
        }
    }
}

/// The access path a filter on a column takes. Enumerations need no entry: their few allowed
/// values are tested first and the column's index finds the rows.
enum ColumnSearch: Sendable, Equatable {
    /// Every row is read (numbers, dates and short texts).
    case scan
    /// A trigram index finds the rows containing a text (and proposes candidates for Is, Starts with, Ends with).
    case trigram(SearchIndex, column: String)
    /// The value lives in a small table: the condition runs there, and `key` matches its rows' ids.
    case lookup(key: String, rows: String)
}

public enum ColumnCatalog {
    /// In the page's order: the nine columns of the page description, then the extras
    /// users expect, hidden by default.
    public static let all: [Column] = [
        Column(key: "org_id", label: "Org ID", expression: "c.org_id", kind: .identifier, visibleByDefault: true),
        Column(key: "org_name", label: "Org Name", expression: "o.name", kind: .text, visibleByDefault: true,
               search: .lookup(key: "c.org_id", rows: "SELECT o.id FROM organizations o")),
        Column(key: "name", label: "Connection Name", expression: "c.name", kind: .text, visibleByDefault: true,
               search: .trigram(.connections, column: "name")),
        Column(key: "status", label: "Connection Status", expression: "c.status",
               kind: .enumeration(ConnectionStatus.allCases.map(\.rawValue)), visibleByDefault: true),
        Column(key: "connected_drivers", label: "Connected Drivers", expression: "c.connected_drivers", kind: .number, visibleByDefault: true),
        Column(key: "benefits", label: "Benefits", expression: "c.benefits_list", kind: .list, visibleByDefault: true,
               search: .trigram(.connections, column: "benefits_list")),
        Column(key: "approval_type", label: "Approval type", expression: "c.approval_type",
               kind: .enumeration(ApprovalType.allCases.map(\.rawValue)), visibleByDefault: true),
        Column(key: "connection_type", label: "Connection Type", expression: "c.connection_type",
               kind: .enumeration(ConnectionType.allCases.map(\.rawValue)), visibleByDefault: true),
        Column(key: "questions", label: "Verify drivers by", expression: "c.questions_list", kind: .list, visibleByDefault: true,
               search: .trigram(.connections, column: "questions_list")),
        Column(key: "visibility", label: "Visibility", expression: "c.visibility",
               kind: .enumeration(Visibility.allCases.map(\.rawValue)), visibleByDefault: false),
        Column(key: "search_code", label: "Search Code", expression: "c.search_code", kind: .text, visibleByDefault: false,
               seenWith: .inviteDrivers),
        Column(key: "pending_requests", label: "Pending Requests", expression: "c.pending_requests", kind: .number, visibleByDefault: false),
        Column(key: "created_at", label: "Created", expression: "c.created_at", kind: .date, visibleByDefault: false),
        Column(key: "updated_at", label: "Last Updated", expression: "c.updated_at", kind: .date, visibleByDefault: false),
        Column(key: "invite_link", label: "Invite Link", expression: "c.invite_token", kind: .inviteLink, visibleByDefault: false,
               seenWith: .inviteDrivers),
    ]

    private static let byKey: [String: Column] = Dictionary(uniqueKeysWithValues: all.map { ($0.key, $0) })

    public static func column(_ key: String) -> Column? { byKey[key] }

    public static var defaultVisible: [Column] { all.filter(\.visibleByDefault) }
}
