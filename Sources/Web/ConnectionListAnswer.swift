import Domain

/// A page of the connections table as the API writes it: the query as understood, the rows, and
/// the way to the next page.
struct ConnectionListPage {
    let state: TableState
    let columns: [Column]
    let total: Int
    /// Each row as `APIConnections.row` writes it.
    let rows: [JSON]
    let nextCursor: String?
    let next: String?
}

enum ConnectionListAnswer: JSONAnswer {
    static let schemaName = "ConnectionList"

    static var members: [JSONMember<ConnectionListPage>] {
        let ref = OpenAPIDocument.ref
        return [
            JSONMember(name: "total", schema: ["type": "integer", "minimum": 0, "description": "Every row the filters select, on all pages."]) {
                .int($0.total)
            },
            JSONMember(name: "size", schema: ["type": "integer"]) { .int($0.state.pageSize) },
            JSONMember(name: "sort", schema: ref("ColumnKey")) { .string($0.state.sort.column.key) },
            JSONMember(name: "order", schema: ref("Order")) { .string($0.state.sort.descending ? "desc" : "asc") },
            JSONMember(name: "match", schema: ref("Match")) { .string($0.state.filters.match.rawValue) },
            JSONMember(name: "filters", schema: ["type": "array", "items": [
                "type": "object", "additionalProperties": false, "required": ["column", "condition", "value", "sentence"],
                "properties": ["column": ref("ColumnKey"), "condition": ref("Condition"), "value": ["type": "string"], "sentence": ["type": "string"]]]]) {
                .array($0.state.filters.filters.map { filter in
                    .object([("column", .string(filter.column.key)), ("condition", .string(filter.condition.key)), ("value", .string(filter.value)),
                             ("sentence", .string(filter.sentence))])
                })
            },
            JSONMember(name: "columns", schema: ["type": "array", "items": ref("ColumnKey")]) { .array($0.columns.map { .string($0.key) }) },
            JSONMember(name: "rows", schema: ["type": "array", "items": ref("ConnectionRow")]) { .array($0.rows) },
            JSONMember(name: "next_cursor", schema: ["type": ["string", "null"], "description": "Give as `cursor` for the next page; null on the last."]) {
                $0.nextCursor.map(JSON.string) ?? .null
            },
            JSONMember(name: "next", schema: OpenAPIDocument.nextPage) { $0.next.map(JSON.string) ?? .null },
        ]
    }
}
