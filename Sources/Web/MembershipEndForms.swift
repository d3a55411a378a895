import Domain
import FastCGI
import Foundation

/// Memberships that end, on a connection's page: its "Membership length" card (the setting, who
/// ends in the next 30 days) and its two forms. POST /connections/{id}/membership-length sets the
/// length (`SetMembershipLength`; "apply" also to the connected drivers, whose count the form
/// names); POST /connections/{id}/expiry sets or clears the end of the ticked connected drivers
/// (`SetMembershipExpiry`; empty: never).
struct MembershipEndForms {
    let page: Page

    /// Days ahead the card lists.
    static let soonDays = 30

    /// The card's context; `canEdit`: the user manages connections.
    static func context(connectionID: Int, connected: Int, canEdit: Bool, canDecide: Bool, page: Page) throws -> TemplateValue {
        let expiry = MembershipExpiry(database: page.database)
        let length = try expiry.length(ofConnection: connectionID)
        let soon = try expiry.endingSoon(connectionID: connectionID, now: page.handler.configuration.now(), days: soonDays)
        let renewal = MembershipRenewal(database: page.database)
        let asking = try renewal.asking(connectionID: connectionID)
        let reverify = try SetReverification.current(ofConnection: connectionID, in: page.database)
        var kind = "forever", amount = "", until = ""
        switch length {
        case .forever: break
        case .days(let n): (kind, amount) = ("days", String(n))
        case .months(let n): (kind, amount) = ("months", String(n))
        case .until(let day): (kind, until) = ("until", day)
        }
        return [
            "summary": .text(length.summary),
            "soonCount": .text(Format.integer(soon.count)),
            "soon": .list(soon.drivers.map { ["driver": .text($0.driverName), "email": .text($0.email), "ends": .text(DateText.day($0.expiresAt))] }),
            "hasSoon": .bool(!soon.drivers.isEmpty),
            "more": .bool(soon.count > soon.drivers.count),
            "canEdit": .bool(canEdit),
            // Renewal: the reminder days, and the drivers who asked to renew (the host approves).
            "reminders": .text(try renewal.reminders(ofConnection: connectionID)),
            "asking": .list(asking.map { ["mid": .text($0.membershipID), "driver": .text($0.driverName), "email": .text($0.email),
                                          "ends": .text(DateText.day($0.expiresAt))] }),
            "hasAsking": .bool(!asking.isEmpty),
            "canDecide": .bool(canDecide),
            // Re-verification: every how many days drivers confirm, and how long they have.
            "reverifyDays": .text(reverify.days.map(String.init) ?? ""), "reverifyGrace": .text(String(reverify.grace)),
            "reverifies": .bool(reverify.days != nil),
            "kinds": .list([("forever", "For ever"), ("days", "A number of days"), ("months", "A number of months"), ("until", "Until a date")].map {
                ["value": .text($0.0), "label": .text($0.1), "checked": .bool($0.0 == kind)]
            }),
            "amount": .text(amount),
            "until": .text(until),
            "connected": .text(Format.integer(connected)),
            "connectedOne": .bool(connected == 1),
        ]
    }

    func setLength(connectionID: Int) throws -> Response {
        let request = page.request
        let length = try MembershipLength.from(kind: request.formValue("kind") ?? "",
                                               amount: request.formValue(request.formValue("kind") == "until" ? "until" : "amount") ?? "")
        let changed = try SetMembershipLength(connection: connectionID, to: length, applyToConnected: request.formValue("apply") == "1")
            .run(by: page.access, in: page.database)
        return .redirect(to: "/connections/\(connectionID)?" + URLEncoding.encode(Notice.lengthSaved.pairs(count: changed, for: page)) + "#membership-length")
    }

    func setEnds(connectionID: Int) throws -> Response {
        let ids = try BulkAction.ids(page.request, field: "m")
        let day = try SetMembershipExpiry.day(from: page.request.formValue("ends") ?? "")
        // Only this connection's drivers: the route checked the user's role on it.
        let theirs = try MembershipEndForms.membershipsOf(connectionID, among: ids, page: page)
        guard theirs.count == ids.count else { throw UserError.badRequest("Select drivers of this connection only.") }
        let changed = try SetMembershipExpiry(ids, endingOn: day).run(by: page.access, in: page.database)
        let back = ReturnPath.safe(page.request.formValue("back"))
        let path = back.hasPrefix("/connections/\(connectionID)") ? back.split(separator: "#")[0] : "/connections/\(connectionID)"
        return .redirect(to: path + (path.contains("?") ? "&" : "?") + URLEncoding.encode(Notice.endsSet.pairs(count: changed, for: page)) + "#drivers")
    }

    /// POST /connections/{id}/renewal-reminders: the days before the end drivers are reminded.
    func setReminders(connectionID: Int) throws -> Response {
        let stored = try MembershipRenewal.stored(from: page.request.formValue("reminders") ?? "")
        _ = try SetRenewalReminders(connection: connectionID, to: stored, now: page.handler.configuration.now()).run(by: page.access, in: page.database)
        return .redirect(to: "/connections/\(connectionID)?" + URLEncoding.encode(Notice.remindersSaved.pairs(count: 0, for: page)) + "#membership-length")
    }

    /// POST /connections/{id}/reverification: every how many days drivers confirm their answers (empty: never).
    func setReverification(connectionID: Int) throws -> Response {
        let setting = try SetReverification.from(every: page.request.formValue("every") ?? "", grace: page.request.formValue("grace") ?? "")
        _ = try SetReverification(connection: connectionID, everyDays: setting.days, graceDays: setting.grace, now: page.handler.configuration.now())
            .run(by: page.access, in: page.database)
        return .redirect(to: "/connections/\(connectionID)?" + URLEncoding.encode(Notice.reverificationSaved.pairs(count: 0, for: page)) + "#membership-length")
    }

    /// POST /connections/{id}/renew: approves the renewals the ticked drivers asked for (`ApproveRenewal`).
    func approveRenewals(connectionID: Int) throws -> Response {
        let ids = try BulkAction.ids(page.request, field: "m")
        guard try Self.membershipsOf(connectionID, among: ids, page: page).count == ids.count else {
            throw UserError.badRequest("Select drivers of this connection only.")
        }
        let renewed = try ApproveRenewal(ids, now: page.handler.configuration.now()).run(by: page.access, in: page.database)
        return .redirect(to: "/connections/\(connectionID)?" + URLEncoding.encode(Notice.renewed.pairs(count: renewed, for: page)) + "#membership-length")
    }

    static func membershipsOf(_ connectionID: Int, among ids: [Int], page: Page) throws -> [Int] {
        try MembershipExpiry(database: page.database).memberships(ofConnection: connectionID, among: ids)
    }
}
