import Domain
import Foundation
import Observability
import Storage
import Web

/// What `/metrics` reads from the database at each scrape (the outbox's backlog), on a connection
/// of the metrics listener's own thread, opened at the first scrape. A failed read leaves the last
/// values and is logged: the scrape itself still answers.
final class ScrapeReadings: @unchecked Sendable {
    private let location: DatabaseLocation
    private var database: Database?

    init(location: DatabaseLocation) {
        self.location = location
    }

    /// `/readyz` on the metrics listener: the same checks as through nginx, on this connection.
    func problems(views: Views) -> [String] {
        do {
            let database = try self.database ?? Database(location: location, readOnly: true)
            self.database = database
            try database.beginRequest()
            defer { database.endRequest() }
            return Readiness.problems(database: database, views: views)
        } catch {
            database = nil
            Logs.process.error("not ready: the database cannot be opened: \(error)")
            return ["the database cannot be opened (the log says why)"]
        }
    }

    func read() {
        do {
            let database = try self.database ?? Database(location: location, readOnly: true)
            self.database = database
            try database.beginRequest()
            defer { database.endRequest() }
            for entry in try Outbox(database: database).backlog(kinds: EmailKind.allCases.map(\.rawValue)) {
                Telemetry.outbox(kind: entry.kind.replacingOccurrences(of: " ", with: "_"), waiting: entry.waiting, oldestSeconds: entry.oldestSeconds)
            }
        } catch {
            database = nil
            Logs.process.error("metrics: the outbox's backlog cannot be read: \(error)")
        }
    }
}
