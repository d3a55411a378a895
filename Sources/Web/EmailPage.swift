import Domain
import FastCGI

/// GET /email: for Admins, whether email is set up, what waits, what was sent, and what failed
/// and why (the server's answer); POST /email/retry queues the failed ones again.
struct EmailPage {
    let page: Page

    var organizations: [Int] { page.access.organizations(allowing: .manageUsers) }

    func respond(status: Int = 200, settings: EmailSettingsForm? = nil) throws -> Response {
        let outbox = Outbox(database: page.database)
        let summary = try outbox.summary(organizations: organizations)
        let failures = try outbox.failures(organizations: organizations)
        let smtp = try? EmailSetup.current(page.handler.configuration, page.database)
        return page.html(status: status, .email, title: "Email", [
            "emailStatus": Self.status(summary, setUp: page.handler.emailEnabled),
            "notice": Notice.context(for: page),
            "setUp": .bool(smtp != nil),
            "server": .text(smtp.map { $0.url } ?? ""),
            "from": .text(smtp.map { $0.from.address } ?? ""),
            "settings": try (settings ?? EmailSettingsForm(page: page)).context(),
            "waiting": .text(Self.count(summary.waiting, "email")),
            "sent": .text(Self.count(summary.sent, "email")),
            "failedCount": .text(Self.count(summary.failed, "email")),
            "failures": .list(failures.map { failure in
                ["at": .text(DateText.display(failure.createdAt)), "kind": .text(failure.kind.rawValue), "recipient": .text(failure.recipient),
                 "attempts": .text(failure.attempts), "error": .text(failure.error)]
            }),
            "hasFailures": .bool(!failures.isEmpty),
            "attempts": .text(page.handler.configuration.emailRetry.maximumAttempts),
        ])
    }

    func retry() throws -> Response {
        let count = try Outbox(database: page.database).retryFailed(by: page.access)
        return .redirect(to: "/email?" + URLEncoding.encode(Notice.requeued.pairs(count: count, for: page)))
    }

    /// The banner Admins see on the users page and here: email not set up, with what waits; failures.
    static func status(_ summary: Outbox.Summary, setUp: Bool) -> TemplateValue {
        [
            "notSetUp": .bool(!setUp),
            "waiting": .text(count(summary.waiting, "email") + (summary.waiting == 1 ? " is" : " are") + " waiting"),
            "failed": summary.failed > 0 ? .text(count(summary.failed, "email")) : false,
        ]
    }

    /// The banner for a page of Admins.
    static func status(_ page: Page) throws -> TemplateValue {
        status(try Outbox(database: page.database).summary(organizations: page.access.organizations(allowing: .manageUsers)),
               setUp: page.handler.emailEnabled)
    }

    static func count(_ n: Int, _ noun: String) -> String {
        "\(Format.integer(n)) \(noun)\(n == 1 ? "" : "s")"
    }
}
