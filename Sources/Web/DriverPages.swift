import Domain
import FastCGI

/// The pages drivers use, without an account, built for a phone: the join page of an invite
/// link, the find page (search code or public organization), and the private status page.
struct DriverPages {
    let handler: ConsoleHandler
    static let formToken = FormToken(cookie: "join_csrf", path: "/join")

    var requests: JoinRequests { JoinRequests(database: handler.database) }

    /// GET and POST /join/{token}.
    func join(_ request: Request, token: String) throws -> Response {
        guard let joinable = try requests.joinable(token: token) else {
            throw UserError.notFound("This invite link is not valid any more. Ask the host for a new link or its search code.")
        }
        guard !request.isRead else { return form(request, joinable, draft: nil, problems: [:], status: 200) }
        let draft = JoinRequests.Request(
            name: request.formValue("name") ?? "", email: request.formValue("email") ?? "",
            answers: joinable.questions.indices.map { request.formValue("answer-\($0)") ?? "" },
            agreedToTerms: request.formValue("terms") == "yes")
        guard Self.formToken.isValid(request) else {
            return form(request, joinable, draft: draft, problems: ["form": "This form had expired. Check your answers and send it again."], status: 403)
        }
        let problems = JoinRequests.problems(draft, questions: joinable.questions)
        guard problems.isEmpty else { return form(request, joinable, draft: draft, problems: problems, status: 400) }
        do {
            let status = try requests.request(draft, to: joinable)
            return .redirect(to: "/status/" + status)
        } catch {
            // Busy, full or refused: the form again, with everything the driver typed.
            let failure = ErrorPresentation(error, request: request)
            return form(request, joinable, draft: draft, problems: ["form": failure.message], status: failure.status, headers: failure.headers)
        }
    }

    func form(_ request: Request, _ joinable: Joinable, draft: JoinRequests.Request?, problems: [String: String], status: Int,
              headers: [(String, String)] = []) -> Response {
        let issued = Self.formToken.issue(for: request)
        func problem(_ field: String) -> TemplateValue { problems[field].map(TemplateValue.text) ?? false }
        var response = handler.html(status: status, page: "join", title: "Join \(joinable.connectionName)", session: nil, [
            "organization": .text(joinable.organizationName),
            "connection": .text(joinable.connectionName),
            "benefits": .list(joinable.benefits.map(TemplateValue.text)),
            "disabled": .bool(joinable.status != .enabled),
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
        var context: [String: TemplateValue] = ["code": .text(String((request.queryValue("code") ?? "").prefix(40))),
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
            let found = try requests.publicConnections(organizationNamed: String(org.prefix(100)))
            context["searched"] = true
            context["results"] = .list(found.map {
                ["organization": .text($0.organizationName), "connection": .text($0.connectionName),
                 "benefits": .list($0.benefits.map(TemplateValue.text)), "url": .text("/join/" + $0.inviteToken)]
            })
        }
        return handler.html(status: status, page: "find", title: "Find a connection", session: nil, context)
    }

    /// GET /status/{token}: the driver's own request, by its private link.
    func status(token: String) throws -> Response {
        guard let status = try requests.status(token: token) else {
            throw UserError.notFound("This status link is not valid. Use the link from when you sent your request.")
        }
        return handler.html(page: "status", title: "Your request", session: nil, [
            "organization": .text(status.organizationName), "connection": .text(status.connectionName),
            "driver": .text(status.driverName), "state": .text(status.state.rawValue),
            "pending": .bool(status.state == .pending), "connected": .bool(status.state == .connected),
            "denied": .bool(status.state == .denied), "removed": .bool(status.state == .removed),
            "reason": status.denialReason.map(TemplateValue.text) ?? false,
            "requestedAt": .text(DateText.display(status.requestedAt)),
        ])
    }
}
