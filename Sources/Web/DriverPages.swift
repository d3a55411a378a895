import Domain
import FastCGI
import Observability

/// The pages drivers use, without an account, built for a phone: the join page of an invite
/// link, the find page (search code or public organization), and the private status page.
struct DriverPages {
    let handler: ConsoleHandler
    /// Each form is good for one request (`JoinLimits` spends its token).
    static let formToken = FormToken(cookie: "join_csrf", path: "/join", lifetime: JoinLimits.formTokenLifetime)
    static let askAgainToken = FormToken(cookie: "status_csrf", path: "/status", lifetime: JoinLimits.formTokenLifetime)

    var requests: JoinRequests {
        JoinRequests(database: handler.database, limits: handler.configuration.joinLimits, emailEnabled: handler.emailEnabled)
    }

    /// The paths of these pages: their failures show the driver's header, not the console's.
    static func serves(_ path: String) -> Bool {
        path.hasPrefix("/join/") || path.hasPrefix("/status/") || path == "/find"
    }

    /// The layout's plain header of a driver's page: the host's name.
    static func header(host: String) -> TemplateValue { ["host": .text(host)] }

    /// GET and POST /join/{token}.
    func join(_ request: Request, token: String) throws -> Response {
        guard let joinable = try requests.joinable(token: token) else { return DeadLink.inviteLink.response(handler) }
        guard joinable.status == .enabled else {
            return DeadLink.disabled(organization: joinable.organizationName, connection: joinable.connectionName).response(handler)
        }
        guard !request.isRead else { return form(request, joinable, draft: nil, problems: [:], status: 200) }
        let draft = JoinForm(
            name: request.formValue("name") ?? "", email: request.formValue("email") ?? "",
            answers: joinable.questions.indices.map { request.formValue("answer-\($0)") ?? "" },
            agreedToTerms: request.formValue("terms") == "yes")
        guard let sent = Self.formToken.sent(request, signedWith: handler.formSignature) else {
            return form(request, joinable, draft: draft, problems: ["form": JoinLimits.formExpired], status: ErrorPresentation.formExpired)
        }
        let problems = JoinRequests.problems(draft, questions: joinable.questions)
        guard problems.isEmpty else {
            Telemetry.event("join_requests", outcome: "invalid")
            return form(request, joinable, draft: draft, problems: problems, status: ErrorPresentation.formWithProblems)
        }
        do {
            let outcome = try RequestToJoin(draft, to: joinable).run(from: .init(address: request.remoteAddress, formToken: sent), with: requests)
            Telemetry.event("join_requests", outcome: outcome == .askedBefore ? "asked_before" : "created")
            var response = answer(outcome, organization: joinable.organizationName, connection: joinable.connectionName)
            // The token is spent: the cookie goes too, so the browser's next form gets a new one.
            response.headers.append(Self.formToken.clearHeader)
            return response
        } catch {
            // Busy, full, refused, a spent form, over a limit: the form again, with everything the driver typed.
            let failure = ErrorPresentation(error, request: request)
            Telemetry.event("join_requests", outcome: "refused_\(failure.status)")
            return form(request, joinable, draft: draft, problems: ["form": failure.message], status: failure.status, headers: failure.headers)
        }
    }

    /// What a driver sees once a request is filed: from the join page, or from a status page with a new address.
    func answer(_ outcome: JoinOutcome, organization: String, connection: String) -> Response {
        switch outcome {
        case _ where handler.emailEnabled:
            // The same answer for a new request and a repeat (each got its status link by email): it tells nothing.
            return handler.html(page: .emailSent, title: "Check your email", session: nil, [
                "organization": .text(organization), "connection": .text(connection),
            ])
        case .created(let status):
            return .redirect(to: "/status/" + status)
        case .askedBefore:
            // Nothing of the earlier request: not its link, name, state or reason; only how its driver gets back to it.
            return handler.html(page: .askedBefore, title: "You have asked before", session: nil, [
                "driverPage": Self.header(host: organization),
                "organization": .text(organization), "connection": .text(connection),
                "publicBase": .text(handler.configuration.publicBaseURL),
            ])
        }
    }

    func form(_ request: Request, _ joinable: Joinable, draft: JoinForm?, problems: [String: String], status: Int,
              headers: [(String, String)] = []) -> Response {
        let issued = Self.formToken.issue(for: request, signedWith: handler.formSignature)
        func problem(_ field: String) -> TemplateValue { problems[field].map(TemplateValue.text) ?? false }
        var response = handler.html(status: status, page: .join, title: "Join \(joinable.connectionName)", session: nil, [
            "driverPage": Self.header(host: joinable.organizationName),
            "organization": .text(joinable.organizationName),
            "organizationPossessive": .text(Format.possessive(joinable.organizationName)),
            "connection": .text(joinable.connectionName),
            "benefits": .list(joinable.benefits.map(TemplateValue.text)),
            "token": .text(joinable.inviteToken),
            "csrf": .text(issued.token),
            "name": .text(String((draft?.name ?? "").prefix(200))),
            "email": .text(String((draft?.email ?? "").prefix(254))),
            "agreed": .bool(draft?.agreedToTerms ?? false),
            "questions": .list(joinable.questions.enumerated().map { index, prompt in
                ["index": .text(index), "prompt": .text(prompt), "problem": problem("answer-\(index)"),
                 "answer": .text(String((draft.map { index < $0.answers.count ? $0.answers[index] : "" } ?? "").prefix(500)))]
            }),
            "formProblem": problem("form"), "nameProblem": problem("name"), "emailProblem": problem("email"), "termsProblem": problem("terms"),
        ])
        response.headers.append(issued.header)
        response.headers += headers
        return response
    }

    /// GET /find: a search code, or public connections by organization name.
    func find(_ request: Request) throws -> Response {
        var context: [String: TemplateValue] = ["driverPage": true, "code": .text(String((request.queryValue("code") ?? "").prefix(40))),
                                                "org": .text(String((request.queryValue("org") ?? "").prefix(100)))]
        var status = 200
        if let code = request.queryValue("code"), !code.trimmingCharacters(in: .whitespaces).isEmpty {
            if let found = try requests.joinable(searchCode: code, address: request.remoteAddress) {
                return .redirect(to: "/join/" + found.inviteToken)
            }
            context["codeProblem"] = .text("No connection has this search code. Check it with the host: it has 8 letters and digits.")
            status = 404
        }
        if let org = request.queryValue("org"), org.trimmingCharacters(in: .whitespaces).count == 1 {
            context["orgProblem"] = .text("Type at least two letters of the organization's name.")
        } else if let org = request.queryValue("org"), !org.trimmingCharacters(in: .whitespaces).isEmpty {
            let found = try requests.publicSearch(organizationNamed: String(org.prefix(100)))
            context["searched"] = true
            context["found"] = .bool(found.total > 0)
            context["listed"] = .bool(found.listed)
            context["total"] = .text(found.total == 1 ? "1 public connection" : "\(Format.integer(found.total)) public connections")
            context["moreOrganizations"] = .bool(found.moreOrganizations)
            context["groups"] = .list(found.groups.map { group in
                ["organization": .text(group.organization), "count": .text(group.count == 1 ? "1 connection" : "\(Format.integer(group.count)) connections"),
                 "refine": .text("/find?org=" + URLEncoding.encode(group.organization)),
                 "connections": .list(group.connections.map {
                     ["connection": .text($0.connectionName), "benefits": .text($0.benefits.joined(separator: ", ")),
                      "url": .text("/join/" + $0.inviteToken)]
                 })]
            })
        }
        return handler.html(status: status, page: .find, title: "Find a connection", session: nil, context)
    }

    /// GET /status/{token}: the driver's own request, by its private link; a Denied or Removed
    /// driver may ask again from here.
    func status(_ request: Request, token: String) throws -> Response {
        guard let status = try requests.status(token: token) else { return DeadLink.statusLink.response(handler) }
        return statusPage(request, token: token, status, draft: nil, problems: [:], code: 200)
    }

    /// POST /status/{token}/again: a Denied or Removed driver asks again, with their name and
    /// answers; the private token in the path proves it is them.
    func askAgain(_ request: Request, token: String) throws -> Response {
        guard let status = try requests.status(token: token) else { return DeadLink.statusLink.response(handler) }
        // An address typed makes a new request of that address; none asks again with this request's.
        let newAddress = (request.formValue("email") ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let draft = JoinForm(
            name: request.formValue("name") ?? "", email: newAddress,
            answers: status.questions.indices.map { request.formValue("answer-\($0)") ?? "" },
            agreedToTerms: request.formValue("terms") == "yes")
        guard let sent = Self.askAgainToken.sent(request, signedWith: handler.formSignature) else {
            return statusPage(request, token: token, status, draft: draft, problems: ["form": JoinLimits.formExpired], code: ErrorPresentation.formExpired)
        }
        let problems = JoinRequests.problems(draft, questions: status.questions, checkingEmail: !newAddress.isEmpty)
        guard problems.isEmpty else { return statusPage(request, token: token, status, draft: draft, problems: problems, code: ErrorPresentation.formWithProblems) }
        do {
            let sender = JoinLimits.Sender(address: request.remoteAddress, formToken: sent)
            var response: Response
            if newAddress.isEmpty {
                try AskAgain(statusToken: token, draft, questions: status.questions).run(from: sender, with: requests)
                response = .redirect(to: "/status/" + token)
            } else {
                let outcome = try requests.askAgain(statusToken: token, draft, withNewAddressFrom: sender)
                response = answer(outcome, organization: status.organizationName, connection: status.connectionName)
            }
            response.headers.append(Self.askAgainToken.clearHeader)
            return response
        } catch {
            let failure = ErrorPresentation(error, request: request)
            var page = statusPage(request, token: token, status, draft: draft, problems: ["form": failure.message], code: failure.status)
            page.headers += failure.headers
            return page
        }
    }

    func statusPage(_ request: Request, token: String, _ status: RequestStatus, draft: JoinForm?, problems: [String: String],
                    code: Int) -> Response {
        func problem(_ field: String) -> TemplateValue { problems[field].map(TemplateValue.text) ?? false }
        var context: [String: TemplateValue] = [
            "driverPage": Self.header(host: status.organizationName),
            "organization": .text(status.organizationName), "connection": .text(status.connectionName),
            "organizationPossessive": .text(Format.possessive(status.organizationName)),
            "driver": .text(status.driverName), "state": .text(status.state.rawValue),
            "pending": .bool(status.state == .pending && !status.awaitingEmailConfirmation),
            "confirming": .bool(status.awaitingEmailConfirmation), "confirmHours": .text(Int(EmailConfirmations.lifetime / 3600)),
            "connected": .bool(status.state == .connected),
            "connectedUntil": status.state == .connected ? status.expiresAt.map { .text(DateText.day($0)) } ?? false : false,
            "expiredOn": status.expired ? status.expiresAt.map { .text(DateText.day($0)) } ?? false : false,
            "denied": .bool(status.state == .denied), "removed": .bool(status.state == .removed),
            "reason": status.denialReason.map(TemplateValue.text) ?? false,
            "requestedAt": .text(DateText.display(status.requestedAt)),
            "statusURL": .text(handler.configuration.absoluteURL("/status/" + token)),
            "closed": .bool((status.state == .denied || status.state == .removed) && !status.connectionEnabled),
            "formProblem": problem("form"),
            // Renewal: a connected membership that ends has the renew button; the answer comes back in the query.
            "renewable": .bool(status.state == .connected && !status.renewalAsked
                               && status.renewalOpensAt.map { $0 <= DateText.store(handler.configuration.now()) } == true),
            "renewalAsked": .bool(status.state == .connected && status.renewalAsked), "token": .text(token),
            "confirmBy": status.confirmBy.map { .text(DateText.day($0)) } ?? false,
            "confirmAnswers": .list(status.answers.map { ["prompt": .text($0.prompt), "answer": .text($0.answer)] }),
            "renewal": RenewalPage.message(request.queryValue("renewal")).map(TemplateValue.text) ?? false,
        ]
        var issued: (String, String)?
        if status.mayAskAgain {
            let form = Self.askAgainToken.issue(for: request, signedWith: handler.formSignature)
            issued = form.header
            // The earlier answers, where the question is still asked.
            let earlier = Dictionary(status.answers.map { ($0.prompt, $0.answer) }, uniquingKeysWith: { first, _ in first })
            context["askAgain"] = [
                "token": .text(token), "csrf": .text(form.token),
                "name": .text(String((draft?.name ?? status.driverName).prefix(200))),
                "email": .text(String((draft?.email ?? "").prefix(254))), "emailProblem": problem("email"),
                "emailEnabled": .bool(handler.emailEnabled),
                "agreed": .bool(draft?.agreedToTerms ?? false),
                "nameProblem": problem("name"), "termsProblem": problem("terms"),
                "questions": .list(status.questions.enumerated().map { index, prompt in
                    let answer = draft.map { index < $0.answers.count ? $0.answers[index] : "" } ?? earlier[prompt] ?? ""
                    return ["index": .text(index), "prompt": .text(prompt), "problem": problem("answer-\(index)"),
                            "answer": .text(String(answer.prefix(500)))]
                }),
            ]
        }
        var response = handler.html(status: code, page: .status, title: "Your request", session: nil, context)
        if let issued { response.headers.append(issued) }
        return response
    }
}
