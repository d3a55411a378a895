import Domain
import FastCGI
import Foundation

/// /webhooks: an Admin's webhook subscriptions and the form that adds one (its secret shown once,
/// on the answer to the POST); /webhooks/{id}: one subscription, its delivery log and what can be
/// done to it (send a test event, resend, rotate the secret, pause, delete), each a form, so every
/// action works without JavaScript.
struct WebhooksPage {
    let page: Page

    var subscriptions: WebhookSubscriptions { WebhookSubscriptions(database: page.database) }
    var organizations: [Int] { page.access.organizations(allowing: .manageWebhooks) }

    func key() throws -> InstallationKey {
        guard let key = page.handler.configuration.installationKey else {
            throw UserError.unavailable("Webhooks need the installation key, which this server was started without.")
        }
        return key
    }

    func respond() throws -> Response {
        guard !page.request.isRead else { return try list(notice: page.request.queryValue("deleted") == "1" ? "The webhook was deleted." : nil) }
        let form = page.request.form
        let events = form.filter { $0.name == "events" }.compactMap { WebhookEventType(rawValue: $0.value) }
        let url = page.request.formValue("url") ?? "", description = page.request.formValue("description") ?? ""
        do {
            let organization = try page.organization(page.request.formValue("org"), allowing: .manageWebhooks)
            let made = try CreateWebhook(organizationID: organization, url: url, events: events, description: description, key: try key(),
                                         allowPrivate: page.handler.configuration.webhooksAllowPrivate).run(by: page.access, in: page.database)
            return try detail(made.id, secret: made.secret, status: 201)
        } catch {
            var problems: [String: String] = [:]
            var message: String?
            var status = 400
            var headers: [(name: String, value: String)] = []
            if let fields = error as? FieldProblems { problems = fields.byField } else {
                let failure = ErrorPresentation(error, request: page.request)
                message = failure.message
                status = failure.status
                headers = failure.headers
            }
            var response = try list(problem: message ?? "Check the highlighted fields.", problems: problems, url: url, description: description,
                                    events: events, status: status)
            response.headers += headers
            return response
        }
    }

    func list(notice: String? = nil, problem: String? = nil, problems: [String: String] = [:], url: String = "", description: String = "",
              events: [WebhookEventType] = [], status: Int = 200) throws -> Response {
        let names = try Accounts(database: page.database).organizationNames(for: page.access, allowing: .manageWebhooks)
        let rows = try subscriptions.list(organizations: organizations)
        return page.html(status: status, .webhooks, title: "Webhooks", [
            "notice": notice.map(TemplateValue.text) ?? false,
            "problem": problem.map(TemplateValue.text) ?? false,
            "urlProblem": problems["url"].map(TemplateValue.text) ?? false,
            "eventsProblem": problems["events"].map(TemplateValue.text) ?? false,
            "descriptionProblem": problems["description"].map(TemplateValue.text) ?? false,
            "url": .text(url), "description": .text(description),
            "severalOrganizations": .bool(names.count > 1),
            "organizations": .list(names.map { ["id": .text($0.id), "name": .text($0.name)] }),
            "organization": .text(names.first?.id ?? 0),
            "events": .list(WebhookEventType.subscribable.map { type in
                ["value": .text(type.rawValue), "summary": .text(type.summary), "checked": .bool(events.contains(type)),
                 "id": .text("event-" + type.rawValue.replacingOccurrences(of: ".", with: "-"))]
            }),
            "hasWebhooks": .bool(!rows.isEmpty),
            "webhooks": .list(rows.map { row in
                ["id": .text(row.id), "url": .text(row.url), "description": .text(row.description),
                 "events": .text(row.events.map(\.rawValue).joined(separator: ", ")),
                 "state": .text(row.enabled ? (row.failingSince == nil ? "Enabled" : "Failing since " + DateText.display(row.failingSince!)) : "Paused"),
                 "organization": .text(names.first { $0.id == row.organizationID }?.name ?? "")]
            }),
        ])
    }

    /// GET /webhooks/{id}, and the answer to an action that shows a new secret.
    func detail(_ id: Int, secret: String? = nil, notice: String? = nil, status: Int = 200) throws -> Response {
        let subscription = try subscriptions.find(id, by: page.access)
        let log = try subscriptions.deliveries(of: id, limit: 100)
        let notices = ["test": "A test event was queued: it appears below once sent.", "rotated": "", "paused": "The webhook is paused.",
                       "enabled": "The webhook sends again.", "resent": "Queued to be sent again."]
        let shown = notice ?? page.request.queryValue("done").flatMap { notices[$0] }.flatMap { $0.isEmpty ? nil : $0 }
        let count = page.request.queryValue("count").flatMap { RequestNumber.parse($0, in: 0...1_000_000) }
        return page.html(status: status, .webhook, title: "Webhook", [
            "id": .text(id), "webhookID": .text(id), "url": .text(subscription.url), "description": .text(subscription.description),
            "events": .text(subscription.events.map(\.rawValue).joined(separator: ", ")),
            "enabled": .bool(subscription.enabled),
            "failingSince": subscription.failingSince.map { .text(DateText.display($0)) } ?? false,
            "previousUntil": subscription.previousSecretUntil.map { .text(DateText.display($0)) } ?? false,
            "secret": secret.map(TemplateValue.text) ?? false,
            "notice": (shown.map { count.map { n in "\(n) deliver\(n == 1 ? "y" : "ies") queued to be sent again." } ?? $0 }).map(TemplateValue.text) ?? false,
            "since": .text(DateText.store(Date().addingTimeInterval(-86_400))),
            "hasDeliveries": .bool(!log.isEmpty),
            "deliveries": .list(log.map { row in
                ["id": .text(row.id), "messageID": .text(row.messageID), "type": .text(row.eventType), "state": .text(row.state.rawValue.capitalized),
                 "failed": .bool(row.state == .failed), "attempts": .text(row.attempts), "created": .text(DateText.display(row.createdAt)),
                 "code": .text(row.responseCode.map(String.init) ?? "—"), "latency": .text(row.latencyMilliseconds.map { "\($0) ms" } ?? "—"),
                 "answer": .text(row.responseBody ?? row.lastError ?? ""), "hasAnswer": .bool(!(row.responseBody ?? row.lastError ?? "").isEmpty),
                 "finished": .bool(row.state == .delivered || row.state == .failed)]
            }),
        ])
    }

    /// POST /webhooks/{id}: one action (`action`), then back to the page (a rotation shows the new secret there).
    func act(_ id: Int) throws -> Response {
        let action = page.request.formValue("action") ?? ""
        let change: ChangeWebhook.Change
        switch action {
        case "test": change = .sendTest
        case "rotate": change = .rotateSecret(try key())
        case "pause": change = .pause
        case "enable": change = .enable
        case "delete": change = .delete
        case "resend":
            guard let delivery = RequestNumber.parse(page.request.formValue("delivery") ?? "", in: RequestNumber.ids) else {
                throw UserError.badRequest("Choose a delivery to send again.")
            }
            change = .resend(delivery: delivery)
        case "resend-failed":
            let since = (page.request.formValue("since") ?? "").trimmingCharacters(in: .whitespaces)
            guard DateText.parse(since) != nil else { throw UserError.badRequest("Give the time as 2026-12-01T00:00:00Z.") }
            change = .resendFailed(since: since)
        default: throw UserError.badRequest("That is not something a webhook can do.")
        }
        switch try ChangeWebhook(id, change).run(by: page.access, in: page.database) {
        case .secret(let secret): return try detail(id, secret: secret, notice: "The new secret signs from now on; the old one also signs for 24 hours.")
        case .queued(let count): return .redirect(to: "/webhooks/\(id)?done=\(action == "test" ? "test" : "resent")&count=\(action == "test" ? "" : String(count))")
        case .done: return .redirect(to: action == "delete" ? "/webhooks?deleted=1" : "/webhooks/\(id)?done=\(action == "pause" ? "paused" : "enabled")")
        }
    }
}
