import Domain

/// The API's parameters, each declared once with the limits the handlers apply (page sizes, cursor
/// length, ids per `sel`); operations name them (`APIOperation.query`) and the document lists them as
/// components, referred to by `$ref`.
enum APIParameter: String, CaseIterable, Sendable {
    case id = "Id", cursor = "Cursor", filter = "Filter", match = "Match", sort = "Sort", order = "Order", page = "Page", size = "Size"
    case organization = "Organization", columns = "Columns", selection = "Selection"
    case membershipState = "MembershipState", membershipSize = "MembershipSize", membershipCursor = "MembershipCursor"
    case byteOrderMark = "ByteOrderMark", auditOrganization = "AuditOrganization"
    case importMode = "ImportMode", dryRun = "DryRun", importPlan = "ImportPlan", fileName = "FileName", sheet = "Sheet"

    /// An import's words.
    static let rosterImport: [APIParameter] = [.importMode, .dryRun, .importPlan, .fileName, .sheet]
    case group = "FilterGroup", groupMatch = "GroupMatch", view = "View"

    /// The words of /connections' address.
    static let table: [APIParameter] = [.view, .filter, .match, .group, .groupMatch, .sort, .order, .page, .size, .organization, .columns, .selection]

    static let memberships: [APIParameter] = [.membershipState, .membershipSize, .membershipCursor]

    /// The parameter of a path segment `{name:Int}`.
    static func path(_ name: String) -> APIParameter? { name == "id" ? .id : nil }

    var reference: JSON { ["$ref": .string("#/components/parameters/\(rawValue)")] }

    /// The table's own spelling of filters, which the API takes too (undocumented: `filter` says it whole).
    static let tableAliases = ["f", "op", "v"]

    /// The names this parameter is given by in a query (none for the path's).
    var queryNames: [String] {
        switch self {
        case .id: return []
        case .filter: return ["filter"] + Self.tableAliases
        case .organization, .auditOrganization: return ["org"]
        case .columns: return ["cols"]
        case .selection: return ["sel"]
        case .membershipState: return ["state"]
        case .size, .membershipSize: return ["size"]
        case .cursor, .membershipCursor: return ["cursor"]
        case .byteOrderMark: return ["bom"]
        case .group: return ["g"]
        case .groupMatch: return ["gm"]
        case .view: return ["view"]
        case .match, .sort, .order, .page: return [rawValue.lowercased()]
        case .importMode: return ["mode"]
        case .dryRun: return ["dry_run"]
        case .importPlan: return ["plan"]
        case .fileName: return ["filename"]
        case .sheet: return ["sheet"]
        }
    }

    /// A list: each time it is given adds to it (filters; columns and ids as generated clients repeat them).
    var isList: Bool { [.filter, .columns, .selection, .group, .groupMatch].contains(self) }

    static let ids: JSON = ["type": "integer", "minimum": 1, "maximum": .int(RequestNumber.ids.upperBound)]

    static let organizationSchema: JSON = ["type": "string", "pattern": .string("^(?:[1-9][0-9]{0,15}|all)" + SchemaPattern.end)]

    var declaration: JSON {
        let ref = OpenAPIDocument.ref
        switch self {
        case .id: return ["name": "id", "in": "path", "required": true, "schema": Self.ids]
        case .cursor: return ["name": "cursor", "in": "query", "description": """
            `next_cursor` of the previous page; not with `page`. It belongs to its whole query (filters, `match`, `sort`, `order`, \
            `org`, `sel`): with another, 400 naming what differs. `next` repeats the query with it.
            """, "schema": ["type": "string", "maxLength": .int(QueryCursor.longest)]]
        case .filter: return ["name": "filter", "in": "query", "style": "form", "explode": true, "description": .string("""
            A filter, once per filter: `column:condition:value`, e.g. `name:contains:fleet`, `connected_drivers:gt:10`, \
            `created_at:starts:2026-12`, `status:is:Disabled`, `questions:empty:` (a condition that takes no value ignores it). \
            The pattern says which conditions apply to which columns and what value each takes (a whole number, a day as \
            YYYY-MM-DD, one of a column's values, or one line of up to \(Filter.maximumValueLength) characters). The table's \
            `f`, `op` and `v` are taken too.
            """), "schema": ["type": "array", "maxItems": .int(APIConnections.mostFilterWords),
                             "items": ["type": "string", "pattern": .string(FilterPattern.parameter),
                                       "maxLength": .int(FilterSet.longestWord)]]]
        case .match: return ["name": "match", "in": "query", "description": "How the filters on their own and the groups (`g`) join.", "schema": ref("Match")]
        case .group: return ["name": "g", "in": "query", "style": "form", "explode": true, "description": .string("""
            Filter groups (one level): in the filters' order (`f` ones, then `filter` words), each filter's group from 1 to \
            \(FilterSet.maximumGroups), or 0 for a filter on its own (as is a filter without a `g`; a `g` past the last filter \
            names none). `gm` says how each group's filters join, `match` how the groups and the filters on their own join.
            """), "schema": ["type": "array", "maxItems": .int(FilterSet.maximumCount),
                             "items": ["type": "integer", "minimum": 0, "maximum": .int(FilterSet.maximumGroups)]]]
        case .view: return ["name": "view", "in": "query", "description": """
            A saved view's id (`/api/v1/views`): its table state applies first, then this request's words (a sort or a page \
            replaces the view's, filters add to its filters).
            """, "schema": Self.ids]
        case .groupMatch: return ["name": "gm", "in": "query", "style": "form", "explode": false,
                                  "description": "How the filters of each group join, in group order (group 1 first); `all` when not given.",
                                  "schema": ["type": "array", "maxItems": .int(FilterSet.maximumGroups), "items": ref("Match")]]
        case .sort: return ["name": "sort", "in": "query", "schema": ref("ColumnKey")]
        case .order: return ["name": "order", "in": "query", "schema": ref("Order")]
        case .page: return ["name": "page", "in": "query", "schema": ["type": "integer", "minimum": 1, "maximum": .int(RequestNumber.pages.upperBound)]]
        case .size: return ["name": "size", "in": "query", "schema": ["type": "integer", "minimum": .int(TableState.pageSizeLimits.lowerBound),
                                                                     "maximum": .int(TableState.pageSizeLimits.upperBound),
                                                                     "default": .int(TableState.defaultPageSize)]]
        case .organization: return ["name": "org", "in": "query", "description": "One organization's connections, or `all` of the caller's.",
                                    "schema": Self.organizationSchema]
        case .columns: return ["name": "cols", "in": "query", "style": "form", "explode": false,
                               "description": "The columns to answer with, by key, each once, separated by commas; every column the caller may see by default.",
                               "schema": ["type": "array", "minItems": 1, "uniqueItems": true, "items": ref("ColumnKey")]]
        case .selection: return ["name": "sel", "in": "query", "style": "form", "explode": false,
                                 "description": "Only these connection ids (within the filters), separated by commas.",
                                 "schema": ["type": "array", "minItems": 1, "maxItems": .int(APIConnections.mostSelected), "items": Self.ids]]
        case .membershipState: return ["name": "state", "in": "query", "schema": ref("MembershipState")]
        case .membershipSize: return ["name": "size", "in": "query", "schema": ["type": "integer", "minimum": .int(APIMemberships.pageSizes.lowerBound),
                                                                               "maximum": .int(APIMemberships.pageSizes.upperBound),
                                                                               "default": .int(APIMemberships.defaultPageSize)]]
        case .membershipCursor: return ["name": "cursor", "in": "query",
                                        "description": "`next_cursor` of the previous page, with the same `state` and path (else 400 naming what differs).",
                                        "schema": ["type": "string", "maxLength": .int(QueryCursor.longest)]]
        case .byteOrderMark: return ["name": "bom", "in": "query", "description": "1: start with a byte-order mark, for Excel.",
                                     "schema": ["type": "string", "enum": ["0", "1"]]]
        case .auditOrganization: return ["name": "org", "in": "query", "description": "One organization, or all of the caller's.",
                                         "schema": Self.organizationSchema]
        case .importMode: return ["name": "mode", "in": "query", "description": """
            `add`: each new address gets an email invite; `add_and_connect`: each is connected at once, audited as the import's;             `replace`: as `add`, and each connected driver not in the file is removed (and emailed).
            """, "schema": ["type": "string", "enum": .array(ImportMode.allCases.map { .string($0.rawValue) }), "default": "add"]]
        case .dryRun: return ["name": "dry_run", "in": "query", "description": "true: answer the plan and change nothing.",
                              "schema": ["type": "string", "enum": ["true", "false"], "default": "false"]]
        case .importPlan: return ["name": "plan", "in": "query", "description": """
            The `plan` of a dry run: the import applies only if it would do exactly that (else 409, nothing changed).
            """, "schema": ["type": "string", "pattern": "^[0-9a-f]{64}$"]]
        case .fileName: return ["name": "filename", "in": "query", "description": "The file's name, for the audit entry.",
                                "schema": ["type": "string", "maxLength": 200]]
        case .sheet: return ["name": "sheet", "in": "query", "description": "An XLSX workbook's sheet by name (the first by default).",
                             "schema": ["type": "string", "maxLength": 100]]
        }
    }
}
