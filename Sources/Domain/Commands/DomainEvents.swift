import Storage

/// The `domain_events` table: written by commands inside their transaction (a transactional outbox),
/// read after an id, oldest first (a keyset: webhooks resume where they stopped).
public struct DomainEvents {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// Inside the command's transaction.
    func record(_ event: DomainEvent) throws {
        try record([event])
    }

    /// A batch's events (an import's thousands), a statement per few hundred.
    func record(_ events: [DomainEvent]) throws {
        let now = DateText.now()
        for slice in stride(from: 0, to: events.count, by: 500) {
            try database.insertRows(into: "domain_events", columns: ["occurred_at", "organization_id", "kind", "connection_id", "membership_id", "user_id", "payload"],
                                    rows: events[slice..<min(slice + 500, events.count)].map { event in
                [.text(now), .init(event.organizationID), .text(event.kind.rawValue), Self.optional(event.connectionID),
                 Self.optional(event.membershipID), Self.optional(event.userID), .text(event.payload.text)]
            })
        }
    }

    static func optional(_ id: Int?) -> SQLValue { id.map { .init($0) } ?? .null }

    public static let mostAtOnce = 1000

    /// Events after `id` (0: from the first), of the given organizations (nil: all, for the system's
    /// own readers), oldest first.
    public func after(_ id: Int, organizations: [Int]? = nil, limit: Int = mostAtOnce) throws -> [RecordedEvent] {
        try database.query("""
            SELECT id, occurred_at, organization_id, kind, connection_id, membership_id, user_id, payload FROM domain_events
            WHERE id > \(p: 1) AND (\(p: 2) = 0 OR organization_id IN (\(ids: 3))) ORDER BY id LIMIT \(p: 4)
            """, [.init(id), .init(organizations == nil ? 0 : 1), .idList(organizations ?? []), .init(min(max(limit, 1), Self.mostAtOnce))]) { row in
            let key = "id \(row.int(0))"
            // Valid JSON by the table's CHECK, written by `record` within the request limits.
            let payload = (try? JSON.parse(Array(row.text(7).utf8))) ?? .null
            var event = DomainEvent(try row.decode(DomainEvent.Kind.self, 3, table: "domain_events", key: key), organization: row.int(2),
                                    payload: payload)
            event.connectionID = row.isNull(4) ? nil : row.int(4)
            event.membershipID = row.isNull(5) ? nil : row.int(5)
            event.userID = row.isNull(6) ? nil : row.int(6)
            return RecordedEvent(id: row.int(0), occurredAt: row.text(1), event: event)
        }
    }
}
