import Domain
import FastCGI
import Foundation

/// The report part of the Views menu (issue 28): a shared view's schedule line, and for those who
/// may change the view a form (no JavaScript needed) that sets or stops it.
struct ViewReportForm {
    let page: Page

    /// The schedule line and form of the current view, or false for a personal one.
    func context(_ view: SavedView) throws -> TemplateValue {
        guard let organizationID = view.organizationID else { return false }
        let schedule = try ViewReports(database: page.database).schedule(of: view.id)
        let zone = try OrganizationTimeZone(database: page.database).identifier(of: organizationID)
        let chosen = Set(schedule?.recipients ?? [])
        let mayChange = view.mayChange(page.access)
        return [
            "line": .text(Self.line(schedule, zone: zone)),
            "mayChange": .bool(mayChange),
            "frequencies": .list(([nil] + ReportFrequency.allCases).map { frequency in
                ["value": .text(frequency?.rawValue ?? ""), "label": .text(frequency.map { $0.rawValue.capitalized } ?? "Not sent"),
                 "selected": .bool(schedule?.frequency == frequency)]
            }),
            "hours": .list((0...23).map { ["value": .text($0), "label": .text(String(format: "%02d:00", $0)), "selected": .bool($0 == (schedule?.hour ?? 7))] }),
            "skipUnchanged": .bool(schedule?.skipUnchanged ?? false),
            "zone": .text(zone),
            "members": mayChange ? .list(try Accounts(database: page.database).members(of: organizationID).map {
                ["id": .text($0.userID), "name": .text($0.name), "email": .text($0.email), "chosen": .bool(chosen.contains($0.userID))]
            }) : .list([]),
        ]
    }

    /// "Sent daily at 07:00 Europe/Berlin to 2 members; skipped when nothing changed (last on …)."
    static func line(_ schedule: ReportSchedule?, zone: String) -> String {
        guard let schedule else { return "Not sent as a report." }
        let members = schedule.recipients.count == 1 ? "1 member" : "\(schedule.recipients.count) members"
        let days = switch schedule.frequency { case .daily: "daily"; case .weekly: "on Mondays"; case .monthly: "on the 1st of each month" }
        var line = "Sent \(days) at \(String(format: "%02d:00", schedule.hour)) \(zone) to \(members)"
        if schedule.skipUnchanged {
            line += "; skipped when nothing changed"
            if let skipped = schedule.lastSkippedAt { line += " (last skipped \(skipped.prefix(10)))" }
        }
        return line + "."
    }

    /// The form's POST (`action=report` of /connections/views).
    func submit(viewID: Int) throws -> String {
        let form = page.request
        let frequencyText = form.formValue("frequency") ?? ""
        let frequency = frequencyText.isEmpty ? nil : ReportFrequency(rawValue: frequencyText)
        guard frequencyText.isEmpty || frequency != nil else { throw UserError.badRequest("A report is sent daily, weekly or monthly.") }
        guard let hour = Int(form.formValue("hour") ?? "7") else { throw UserError.badRequest("The hour of a report is from 0 to 23.") }
        var recipients: [Int] = []
        for value in form.form where value.name == "to" {
            guard let id = RequestNumber.parse(value.value, in: RequestNumber.ids) else { throw UserError.badRequest("Choose members from the list.") }
            recipients.append(id)
        }
        return try SetViewReport(viewID: viewID, frequency: frequency, hour: hour, skipUnchanged: form.formValue("skip") == "on",
                                 recipients: frequency == nil ? [] : recipients).run(by: page.access, in: page.database)
    }
}
