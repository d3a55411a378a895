import Foundation
import Storage

extension Outbox {
    /// What waits to be sent, by kind: how many, and since when (the oldest's creation), for the
    /// metrics `connections_outbox_waiting` and `connections_outbox_oldest_age_seconds`. A kind
    /// with nothing waiting is listed with 0, so that its series drops back rather than vanishing.
    public func backlog(kinds: [String], now: Date = Date()) throws -> [(kind: String, waiting: Int, oldestSeconds: Double)] {
        let rows = try database.query("SELECT kind, count(*), min(created_at) FROM outbox WHERE state IN ('queued', 'sending') GROUP BY kind") {
            (kind: $0.text(0), waiting: $0.int(1), oldest: $0.optionalText(2).flatMap(DateText.parse))
        }
        return Set(kinds + rows.map(\.kind)).sorted().map { kind in
            guard let row = rows.first(where: { $0.kind == kind }) else { return (kind, 0, 0) }
            return (kind, row.waiting, max(0, row.oldest.map { now.timeIntervalSince($0) } ?? 0))
        }
    }
}
