import Domain
import FastCGI
import Foundation
import Observability
import Storage

/// POST /connections/export: the Export Settings' Export Data, and the API's exports. Exactly the
/// rows the table's filters select, in its sort, as CSV or NDJSON streamed, or XLSX; every export
/// is audited, and each takes one of the process's export slots.
struct ExportAction {
    let handler: ConsoleHandler
    let request: Request
    let access: Access

    init(page: Page) {
        handler = page.handler
        request = page.request
        access = page.access
    }

    init(handler: ConsoleHandler, request: Request, access: Access) {
        self.handler = handler
        self.request = request
        self.access = access
    }

    var database: Database { handler.database }

    /// The page's form: the table's state, and the settings chosen.
    func respond() throws -> Response {
        let state = try TableState.parse(URLEncoding.parse(request.formValue("state") ?? ""))
        let saved = try ColumnPreferences(database: database).choice(userID: access.userID)
        return try export(state, settings: try Self.settings(request), shown: state.columns ?? saved ?? .standard)
    }

    /// `shown`: the columns of "visible columns only", before the catalog's visibility rules.
    func export(_ state: TableState, settings: ExportSettings, shown: ColumnChoice) throws -> Response {
        var state = state
        state.page = 1
        let scope = try TableScope(state, access: access, allowing: .export)
        guard !scope.organizations.isEmpty else { throw UserError.forbidden("Your role cannot export connections.") }
        let organizations = scope.organizations, allowed = scope.columns
        try state.requireColumns(allowed)
        let columns = settings.columns(visible: shown.restricted(to: allowed).columns, allowed: allowed)
        // Only XLSX has a row limit; a CSV needs no count before it starts.
        if settings.format == .xlsx {
            let total = try ConnectionTable(database: database).count(state, organizations: organizations)
            guard total <= xlsxRowLimit else {
                throw UserError.badRequest("XLSX holds at most \(Format.integer(xlsxRowLimit)) rows, and these filters select "
                                           + "\(Format.integer(total)). Export CSV instead, or filter further.")
            }
        }
        let configuration = handler.configuration
        let export = ConnectionExport(database: database, inviteURL: { configuration.inviteURL(token: $0) })
        let knobs = self.knobs
        // nginx buffers an export (to a file when large): the worker is free as soon as the file is
        // written, whatever the client's speed, and with FastCGI's end-of-request awaited (nginx's
        // keep_conn) a process that stops before the end shows as a broken transfer, never as a whole file.
        let headers = [("Content-Type", settings.format.contentType), ("Cache-Control", "no-store"), ("X-Accel-Buffering", "yes"),
                       ("Content-Disposition", "attachment; filename=\"\(settings.fileName(at: Date()))\"")]
        let stopping = request.serverStopping
        var rowsSeen = 0
        let shouldStop = {
            rowsSeen += 1
            if let pause = knobs.pausePer1000Rows, rowsSeen % 1000 == 0 { Thread.sleep(forTimeInterval: Double(pause) / 1000) }
            return stopping()
        }
        let slot = try configuration.exportSlots.take(userID: access.userID)
        // Audited when it starts and completed at its end, so an export whose process is killed leaves
        // an entry that "did not finish". An export is delivered even when its audit entry cannot be
        // written; the log says so (and the end tries again to write the whole entry).
        let audit = ExportAudit(by: access, organizationID: state.organization, format: settings.format, columns: columns,
                                filters: state.filters, rowCount: Format.integer)
        let entry: Int?
        do {
            entry = try StartExport(audit, organizations: organizations).run(by: access, in: database)
        } catch {
            entry = nil
            request.logger.error("export by \(access.actor) not audited at its start: \(error)")
        }
        let record = { (outcome: ConnectionExport.Outcome) in
            Telemetry.exportedRows(outcome.rows)
            do {
                try audit.finish(entry, outcome, in: database)
            } catch {
                self.request.logger.error("export of \(outcome.rows) rows by \(self.access.actor) not audited: \(error)")
            }
        }
        switch settings.format {
        case .csv, .ndjson:
            return Response(headers: headers, body: .stream { out in
                defer { slot.release() }
                let send = { (chunk: [UInt8]) in
                    try out.write(chunk)
                    try out.flush()
                }
                let outcome = settings.format == .csv
                    ? try export.csv(state, columns: columns, organizations: organizations, byteOrderMark: settings.byteOrderMark,
                                     failAfter: knobs.failAfter, shouldStop: shouldStop, send: send)
                    : try export.ndjson(state, columns: columns, organizations: organizations, failAfter: knobs.failAfter, shouldStop: shouldStop,
                                        send: send)
                record(outcome)
                // Marked incomplete, and broken too: no client may take a file cut by a restart for the whole.
                if outcome.stoppedByServer { throw ResponseStream.Abort() }
            })
        case .xlsx:
            var built = ConnectionExport.Outcome(rows: 0, complete: false, problem: nil)
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("connections-export-\(UUID().uuidString)")
            let file = folder.appendingPathComponent("export.xlsx")
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                let outcome = try export.xlsx(state, columns: columns, organizations: organizations, to: file.path,
                                              temporaryDirectory: folder.path, shouldStop: shouldStop)
                if outcome.stoppedByServer {
                    record(outcome)
                    throw UserError.unavailable("The server is restarting and stopped this export. Export again in a moment.")
                }
                built = outcome
            } catch {
                slot.release()
                try? FileManager.default.removeItem(at: folder)
                throw error
            }
            return Response(headers: headers, body: .stream { out in
                defer {
                    slot.release()
                    try? FileManager.default.removeItem(at: folder)
                }
                let handle = try FileHandle(forReadingFrom: file)
                defer { try? handle.close() }
                // Audited once sent: as complete, or as cut by a restart while it was being sent.
                while let chunk = try handle.read(upToCount: ConnectionExport.chunkBytes), !chunk.isEmpty {
                    if stopping() {
                        record(ConnectionExport.Outcome(rows: built.rows, complete: false, problem: ConnectionExport.stoppedByServer))
                        throw ResponseStream.Abort()
                    }
                    try out.write(Array(chunk))
                }
                record(built)
            })
        }
    }

    /// What the test build's hooks change in this export; nothing in the served binary.
    var knobs: ExportKnobs { handler.configuration.testHooks?.exportKnobs(request) ?? ExportKnobs() }

    /// Excel's row limit, unless a test lowers it.
    var xlsxRowLimit: Int { knobs.xlsxRowLimit ?? ExportSettings.xlsxRowLimit }

    /// The organizations whose rows the export may hold: the one chosen, or every one the user may export from.
    static func settings(_ request: Request) throws -> ExportSettings {
        guard let format = ExportFormat(rawValue: request.formValue("format") ?? "csv"), format != .ndjson else {
            throw UserError.badRequest("The format must be CSV or XLSX.")
        }
        guard let scope = ExportScope(rawValue: request.formValue("scope") ?? "visible") else {
            throw UserError.badRequest("Choose visible columns only or all columns.")
        }
        return ExportSettings(format: format, scope: scope, byteOrderMark: request.formValue("bom") == "1")
    }
}
