import Domain
import FastCGI
import Foundation

/// POST /connections/export: the Export Settings' Export Data. Exactly the rows the table's
/// filters select, in its sort, as CSV streamed or XLSX; every export is audited.
struct ExportAction {
    let page: Page

    func respond() throws -> Response {
        var state = try TableState.parse(URLEncoding.parse(page.request.formValue("state") ?? ""))
        state.page = 1
        let organizations = try exportOrganizations(state)
        let settings = try Self.settings(page.request)
        let allowed = ColumnCatalog.visible(to: page.access, in: organizations)
        try state.requireColumns(allowed)
        let choice = try (state.columns ?? ColumnPreferences(database: page.database).choice(userID: page.access.userID) ?? .standard)
            .restricted(to: allowed)
        let columns = settings.columns(visible: choice.columns, allowed: allowed)
        // Only XLSX has a row limit; a CSV needs no count before it starts.
        if settings.format == .xlsx {
            let total = try ConnectionTable(database: page.database).count(state, organizations: organizations)
            guard total <= page.xlsxRowLimit else {
                throw UserError.badRequest("XLSX holds at most \(Format.integer(page.xlsxRowLimit)) rows, and these filters select "
                                           + "\(Format.integer(total)). Export CSV instead, or filter further.")
            }
        }
        let configuration = page.handler.configuration
        let export = ConnectionExport(database: page.database, inviteURL: { configuration.inviteURL(token: $0) })
        let failAfter = configuration.testRoutes ? RequestNumber.parse(page.request.formValue("_fail_after"), in: RequestNumber.smallCounts) : nil
        // nginx buffers an export (to a file when large): the worker is free as soon as the file is
        // written, whatever the client's speed, and with FastCGI's end-of-request awaited (nginx's
        // keep_conn) a process that stops before the end shows as a broken transfer, never as a whole file.
        let headers = [("Content-Type", settings.format.contentType), ("Cache-Control", "no-store"), ("X-Accel-Buffering", "yes"),
                       ("Content-Disposition", "attachment; filename=\"\(settings.fileName(at: Date()))\"")]
        // A finished export is delivered even when its audit entry cannot be written; the log says so.
        let record = { (outcome: ConnectionExport.Outcome) in
            do {
                try self.audit(outcome, state: state, columns: columns, settings: settings)
            } catch {
                Log.error("export of \(outcome.rows) rows by \(self.page.access.email) not audited: \(error)")
            }
        }
        let stopping = page.request.serverStopping
        // The end-to-end tests slow an export down (a pause per 1,000 rows) to stop the server in its middle.
        let pause = configuration.testRoutes ? RequestNumber.parse(page.request.formValue("_pause_ms_per_1000_rows"), in: 0...10_000) : nil
        var rowsSeen = 0
        let shouldStop = {
            rowsSeen += 1
            if let pause, rowsSeen % 1000 == 0 { Thread.sleep(forTimeInterval: Double(pause) / 1000) }
            return stopping()
        }
        let slot = try configuration.exportSlots.take(userID: page.access.userID)
        switch settings.format {
        case .csv:
            return Response(headers: headers, body: .stream { out in
                defer { slot.release() }
                let outcome = try export.csv(state, columns: columns, organizations: organizations, byteOrderMark: settings.byteOrderMark,
                                             failAfter: failAfter, shouldStop: shouldStop) { chunk in
                    try out.write(chunk)
                    try out.flush()
                }
                record(outcome)
                // Marked incomplete, and broken too: no client may take a file cut by a restart for the whole.
                if outcome.stoppedByServer { throw ResponseStream.Abort() }
            })
        case .xlsx:
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("connections-export-\(UUID().uuidString)")
            let file = folder.appendingPathComponent("export.xlsx")
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                let outcome = try export.xlsx(state, columns: columns, organizations: organizations, to: file.path,
                                              temporaryDirectory: folder.path, shouldStop: shouldStop)
                record(outcome)
                if outcome.stoppedByServer {
                    throw UserError.unavailable("The server is restarting and stopped this export. Export again in a moment.")
                }
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
                while let chunk = try handle.read(upToCount: ConnectionExport.chunkBytes), !chunk.isEmpty {
                    if stopping() { throw ResponseStream.Abort() }
                    try out.write(Array(chunk))
                }
            })
        }
    }

    /// The organizations whose rows the export may hold: the one chosen, or every one the user may export from.
    func exportOrganizations(_ state: TableState) throws -> [Int] {
        if let organization = state.organization {
            try page.access.require(.export, in: organization)
            return [organization]
        }
        let organizations = page.access.organizations(allowing: .export)
        guard !organizations.isEmpty else { throw UserError.forbidden("Your role cannot export connections.") }
        return organizations
    }

    static func settings(_ request: Request) throws -> ExportSettings {
        guard let format = ExportFormat(rawValue: request.formValue("format") ?? "csv") else {
            throw UserError.badRequest("The format must be CSV or XLSX.")
        }
        guard let scope = ExportScope(rawValue: request.formValue("scope") ?? "visible") else {
            throw UserError.badRequest("Choose visible columns only or all columns.")
        }
        return ExportSettings(format: format, scope: scope, byteOrderMark: request.formValue("bom") == "1")
    }

    func audit(_ outcome: ConnectionExport.Outcome, state: TableState, columns: [Column], settings: ExportSettings) throws {
        var details = [
            "format": settings.format.rawValue.uppercased(), "rows": String(outcome.rows),
            "columns": columns.map(\.key).joined(separator: ","),
            "filters": state.filters.applicable.isEmpty ? "none" : state.filters.sentence,
            "complete": outcome.complete ? "yes" : "no",
        ]
        if let problem = outcome.problem { details["problem"] = problem }
        try AuditLog(database: page.database).record(
            actorID: page.access.userID, actor: page.access.email, organizationID: state.organization,
            action: "Exported connections", subject: "\(Format.integer(outcome.rows)) rows as \(settings.format.rawValue.uppercased())",
            details: details)
    }
}
