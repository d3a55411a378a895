import Domain
import FastCGI
import Foundation

/// /connections/import: the connections table's export, edited, uploaded (`step=preview`: the plan,
/// each changed row field by field, nothing written), then confirmed (`step=confirm`: the same file
/// back with the plan's digest; `ImportConnections` applies exactly it, or the preview is shown again).
struct ConnectionImportPage {
    let page: Page

    func respond() throws -> Response {
        let request = page.request
        guard request.method == "POST" else { return form() }
        let configuration = page.handler.configuration
        let inviteURL: @Sendable (String) -> String = { configuration.inviteURL(token: $0) }
        if request.formValue("step") == "confirm" {
            guard let bytes = Base64URL.decode(request.formValue("content") ?? "") else { throw UserError.badRequest("The previewed file did not come back whole: upload it again.") }
            let file = ImportFile(name: request.formValue("filename") ?? "", bytes: bytes, sheet: request.formValue("sheet"))
            do {
                let plan = try ImportConnections(file, expected: request.formValue("plan") ?? "", inviteURL: inviteURL).run(by: page.access, in: page.database)
                return .redirect(to: "/connections?" + URLEncoding.encode(Notice.saved.pairs(count: plan.new.count + plan.changed.count, for: page)))
            } catch let changed as ConnectionImportChanged {
                return preview(changed.plan, file: file, status: 409,
                               problem: "The connections changed since this preview: here is what the file does now. Confirm again.")
            }
        }
        guard let upload = request.file("file"), !upload.bytes.isEmpty else { return form(problem: "Choose a CSV or XLSX file to import.", status: 400) }
        let file = ImportFile(name: upload.filename, bytes: upload.bytes, sheet: request.formValue("sheet"))
        do {
            return preview(try ImportConnections(file, expected: nil, inviteURL: inviteURL).preview(by: page.access, in: page.database), file: file)
        } catch let error as UserError {
            return form(problem: error.message, status: ErrorPresentation.status(of: error))
        }
    }

    func form(problem: String? = nil, status: Int = 200) -> Response {
        page.html(status: status, .connectionImport, title: "Import connections", ["problem": problem.map(TemplateValue.text) ?? false])
    }

    func preview(_ plan: ConnectionPlan, file: ImportFile, status: Int = 200, problem: String? = nil) -> Response {
        func group(_ title: String, _ entries: [ConnectionPlan.Entry]) -> TemplateValue {
            ["title": .text(title), "count": .text(Format.integer(entries.count)), "any": .bool(!entries.isEmpty),
             "more": entries.count > RosterImportPage.shown ? .text("The first \(RosterImportPage.shown) of \(Format.integer(entries.count)).") : false,
             "rows": .list(entries.prefix(RosterImportPage.shown).map { entry in
                 ["row": .text(entry.row), "name": .text(entry.name), "org": .text(entry.organizationID),
                  "changes": .list(entry.changes.map { ["label": .text($0.label), "before": .text($0.before), "after": .text($0.after)] })]
             })]
        }
        let changes = plan.new.count + plan.changed.count
        return page.html(status: status, .connectionImport, title: "Import preview", [
            "problem": problem.map(TemplateValue.text) ?? false,
            "preview": [
                "filename": .text(file.name), "sheet": .text(file.sheet ?? ""), "hash": .text(plan.fileHash), "plan": .text(plan.digest),
                "content": .text(Base64URL.encode(file.bytes)),
                "counts": .list(plan.counts.map { ["label": .text($0.0.prefix(1).uppercased() + $0.0.dropFirst()), "count": .text(Format.integer($0.1))] }),
                "groups": .list([group("New connections", plan.new), group("Changed", plan.changed)]),
                "unchanged": .text(Format.integer(plan.unchanged.count)),
                "invalidCount": .text(Format.integer(plan.invalid.count)), "hasInvalid": .bool(!plan.invalid.isEmpty),
                "invalid": .list(plan.invalid.prefix(RosterImportPage.shown).map { ["row": .text($0.row), "column": .text($0.column), "reason": .text($0.reason)] }),
                "canApply": .bool(plan.invalid.isEmpty && changes > 0),
                "nothing": .bool(plan.invalid.isEmpty && changes == 0),
            ],
        ])
    }
}
