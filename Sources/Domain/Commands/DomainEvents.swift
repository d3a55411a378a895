import Storage

/// The `domain_events` table: written by commands inside their transaction (a transactional outbox),
/// read after an id, oldest first (a keyset: webhooks resume where they stopped).
public struct DomainEvents {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// Inside the command's transaction; with the webhook deliveries it causes (`WebhookOutbox`).
    func record(_ event: DomainEvent) throws {
        try record([event])
    }

    /// A batch's events (an import's thousands): a statement per few hundred, except those some webhook
    /// wants, which are written one by one for their ids (`WebhookOutbox`), in the batch's order.
    func record(_ events: [DomainEvent]) throws {
        let now = DateText.now()
        let outbox = WebhookOutbox(database: database)
        var wanted: [String: Bool] = [:]
        var plain: [DomainEvent] = []
        func values(_ event: DomainEvent) -> [SQLValue] {
            [.text(now), .init(event.organizationID), .text(event.kind.rawValue), Self.optional(event.connectionID),
             Self.optional(event.membershipID), Self.optional(event.userID), .text(event.payload.text)]
        }
        func writePlain() throws {
            for slice in stride(from: 0, to: plain.count, by: 500) {
                try database.insertRows(into: "domain_events", columns: ["occurred_at", "organization_id", "kind", "connection_id", "membership_id", "user_id", "payload"],
                                        rows: plain[slice..<min(slice + 500, plain.count)].map(values))
            }
            plain = []
        }
        for event in events {
            let key = "\(event.organizationID) \(event.kind.rawValue)"
            let heard: Bool
            if let known = wanted[key] { heard = known } else { heard = try outbox.isWanted(event); wanted[key] = heard }
            guard heard else { plain.append(event); continue }
            try writePlain()
            let id = try database.insertReturningID("""
                INSERT INTO domain_events (occurred_at, organization_id, kind, connection_id, membership_id, user_id, payload)
                VALUES (\(p: 1), \(p: 2), \(p: 3), \(p: 4), \(p: 5), \(p: 6), \(p: 7))
                """, values(event))
            try outbox.enqueue(RecordedEvent(id: id, occurredAt: now, event: event))
        }
        try writePlain()
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
