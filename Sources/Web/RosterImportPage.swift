import Domain
import FastCGI
import Foundation

/// A connection's roster out and in. GET /connections/{id}/roster.csv and .xlsx: its drivers as a
/// file. GET /connections/{id}/import: the upload form (file and mode). POST with `step=preview`
/// (the upload): the plan, nothing written; with `step=confirm` (the previewed file, its mode and the
/// plan's digest): `ImportRoster` applies exactly that plan, or the preview is shown again when the
/// roster or the file changed meanwhile.
public struct RosterImportPage {
    let page: Page

    /// Each group of the preview shows this many rows.
    static let shown = 50

    /// The paths that take a file (the page's upload and confirmation, the API's import).
    public static let isUpload: @Sendable (String) -> Bool = { path in
        path.hasSuffix("/import") && (path.hasPrefix("/connections/") || path.hasPrefix("/api/v1/connections/")) || path == "/api/v1/connections/import"
    }

    /// A file at the import's limit, sent back by the confirmation as Base64 (4 bytes per 3), with room for the form.
    public static let maxUploadBytes = ImportLimit.bytes / 3 * 4 + (1 << 20)

    func export(connectionID: Int, xlsx: Bool) throws -> Response {
        let roster = Roster(database: page.database)
        let name = try roster.connection(connectionID).name
        let filename = "roster-" + String(name.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) && $0.isASCII ? Character($0) : "-" }.prefix(60))
        guard xlsx else {
            return Response(headers: [("Content-Type", "text/csv; charset=utf-8"), ("Content-Disposition", "attachment; filename=\"\(filename).csv\"")],
                            body: .bytes(try roster.csv(connectionID: connectionID)))
        }
        let directory = FileManager.default.temporaryDirectory.path
        let path = directory + "/roster-\(UUID().uuidString).xlsx"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try roster.xlsx(connectionID: connectionID, to: path, temporaryDirectory: directory)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        return Response(headers: [("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                                  ("Content-Disposition", "attachment; filename=\"\(filename).xlsx\"")], body: .bytes(bytes))
    }

    func respond(connectionID: Int) throws -> Response {
        let request = page.request
        guard request.method == "POST" else { return try form(connectionID: connectionID) }
        let mode = try Self.mode(request.formValue("mode"))
        let file: ImportFile
        if request.formValue("step") == "confirm" {
            guard let bytes = Base64URL.decode(request.formValue("content") ?? "") else { throw UserError.badRequest("The previewed file did not come back whole: upload it again.") }
            file = ImportFile(name: request.formValue("filename") ?? "", bytes: bytes, sheet: request.formValue("sheet"))
            let command = ImportRoster(file, mode: mode, connectionID: connectionID, expected: request.formValue("plan") ?? "",
                                       dailyLimit: page.handler.configuration.emailInvitesPerDay)
            do {
                let plan = try command.run(by: page.access, in: page.database)
                let count = plan.new.count + plan.changed.count + plan.removed.count
                return .redirect(to: "/connections/\(connectionID)?" + URLEncoding.encode(Notice.imported.pairs(count: count, for: page)))
            } catch let changed as ImportPlanChanged {
                return try preview(changed.plan, file: file, connectionID: connectionID, status: 409,
                                   problem: "The connection's drivers changed since this preview: here is what the file does now. Confirm again.")
            }
        }
        guard let upload = request.file("file"), !upload.bytes.isEmpty else {
            return try form(connectionID: connectionID, problem: "Choose a CSV or XLSX file to import.", status: 400)
        }
        file = ImportFile(name: upload.filename, bytes: upload.bytes, sheet: request.formValue("sheet"))
        do {
            let plan = try ImportRoster(file, mode: mode, connectionID: connectionID, expected: nil).preview(by: page.access, in: page.database)
            return try preview(plan, file: file, connectionID: connectionID)
        } catch let error as UserError {
            return try form(connectionID: connectionID, problem: error.message, status: ErrorPresentation.status(of: error))
        }
    }

    static func mode(_ value: String?) throws -> ImportMode {
        guard let mode = ImportMode(rawValue: value ?? "") else {
            throw UserError.badRequest("Choose how to import: \(ImportMode.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        return mode
    }

    func form(connectionID: Int, problem: String? = nil, status: Int = 200) throws -> Response {
        let connection = try Roster(database: page.database).connection(connectionID)
        return page.html(status: status, .rosterImport, title: "Import drivers · \(connection.name)", [
            "id": .text(connectionID), "connectionName": .text(connection.name),
            "columns": .text(RosterColumn.labels(questions: connection.questions).joined(separator: ", ")),
            "modes": .list(ImportMode.allCases.map { ["value": .text($0.rawValue), "label": .text($0.label), "add": .bool($0 == .add)] }),
            "problem": problem.map(TemplateValue.text) ?? false,
        ])
    }

    func preview(_ plan: RosterPlan, file: ImportFile, connectionID: Int, status: Int = 200, problem: String? = nil) throws -> Response {
        let connection = try Roster(database: page.database).connection(connectionID)
        func group(_ title: String, _ entries: [RosterPlan.Entry]) -> TemplateValue {
            ["title": .text(title), "count": .text(Format.integer(entries.count)), "any": .bool(!entries.isEmpty),
             "more": entries.count > Self.shown ? .text("The first \(Self.shown) of \(Format.integer(entries.count)).") : false,
             "rows": .list(entries.prefix(Self.shown).map { ["row": .text($0.row == 0 ? "" : String($0.row)), "email": .text($0.email), "name": .text($0.name)] })]
        }
        let changedTitle = plan.mode == .addAndConnect ? "Waiting requests to connect" : "Changed"
        let newTitle = plan.mode == .addAndConnect ? "New drivers to connect" : "New drivers to invite"
        return page.html(status: status, .rosterImport, title: "Import preview · \(connection.name)", [
            "id": .text(connectionID), "connectionName": .text(connection.name),
            "problem": problem.map(TemplateValue.text) ?? false,
            "preview": [
                "filename": .text(file.name), "sheet": .text(file.sheet ?? ""), "hash": .text(plan.fileHash), "mode": .text(plan.mode.rawValue), "modeLabel": .text(plan.mode.label),
                "plan": .text(plan.digest), "content": .text(Base64URL.encode(file.bytes)),
                "counts": .list(plan.counts.map { ["label": .text($0.0.prefix(1).uppercased() + $0.0.dropFirst()), "count": .text(Format.integer($0.1))] }),
                "groups": .list([group(newTitle, plan.new), group(changedTitle, plan.changed), group("To be removed", plan.removed),
                                 group("Unchanged", plan.unchanged)]),
                "invalidCount": .text(Format.integer(plan.invalid.count)), "hasInvalid": .bool(!plan.invalid.isEmpty),
                "invalid": .list(plan.invalid.prefix(Self.shown).map { ["row": .text($0.row), "column": .text($0.column), "reason": .text($0.reason)] }),
                "removing": plan.removed.isEmpty ? false : .text("\(Format.integer(plan.removed.count)) connected driver\(plan.removed.count == 1 ? " is" : "s are") removed and emailed."),
                "canApply": .bool(plan.invalid.isEmpty && plan.new.count + plan.changed.count + plan.removed.count > 0),
                "nothing": .bool(plan.invalid.isEmpty && plan.new.count + plan.changed.count + plan.removed.count == 0),
            ],
        ])
    }
}
