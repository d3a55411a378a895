import Domain
import FastCGI

/// GET/POST /connections/new and /connections/{id}/edit: one form for both. Without JavaScript
/// the question buttons (add, remove, move up) come back to the server, which shows the form
/// again; saving checks every field and keeps every value entered.
struct ConnectionFormPage {
    let page: Page

    var editor: ConnectionEditor { ConnectionEditor(database: page.database) }

    func new() throws -> Response {
        let organizations = page.access.organizations(allowing: .manageConnections)
        guard !page.request.isRead else {
            var draft = ConnectionDraft()
            if organizations.count == 1 { draft.organizationID = String(organizations[0]) }
            draft.questions = [""]
            return try form(draft, id: nil, problems: [:])
        }
        let draft = Self.draft(from: page.request)
        if let rearranged = Self.rearranged(draft, page.request) { return try form(rearranged, id: nil, problems: [:]) }
        let (organization, settings, unreadable) = draft.parsed()
        if let organization { try page.access.require(.manageConnections, in: organization) }
        return try save(draft, id: nil) {
            guard let organization, unreadable.isEmpty else {
                // Every problem at once: what could not be read, and the rules on the rest.
                let command = organization.map { CreateConnection(organizationID: $0, settings) }
                let rules = try command?.problems(in: page.database) ?? settings.problems(nameTaken: { _ in false })
                throw FieldProblems(rules.merging(unreadable) { $1 })
            }
            return try CreateConnection(organizationID: organization, settings).run(by: page.access, in: page.database)
        }
    }

    func edit(_ id: Int) throws -> Response {
        guard let current = try editor.draft(id) else { throw UserError.notFound("There is no connection with id \(id).") }
        guard !page.request.isRead else { return try form(current.draft, id: id, problems: [:]) }
        let draft = Self.draft(from: page.request)
        if let rearranged = Self.rearranged(draft, page.request) { return try form(rearranged, id: id, problems: [:]) }
        guard let version = RequestNumber.parse(draft.version, in: RequestNumber.ids) else {
            throw UserError.badRequest("This form has no version to save against. Reload the page and edit again.")
        }
        var (_, settings, unreadable) = draft.parsed()
        unreadable["org"] = nil  // a connection stays in its organization
        let command = UpdateConnection(connectionID: id, version: version, replacingWith: settings)
        return try save(draft, id: id) {
            guard unreadable.isEmpty else { throw FieldProblems(try command.problems(in: page.database).merging(unreadable) { $1 }) }
            return try command.run(by: page.access, in: page.database)
        }
    }

    /// Saves (the command's outcome is the connection's id or new version), and answers with the
    /// next page, the form with its problems, or the form with what stopped the save (a busy or
    /// full database): every value typed is kept.
    func save(_ draft: ConnectionDraft, id: Int?, _ attempt: () throws -> Int) throws -> Response {
        let saved: Int
        do {
            saved = try attempt()
        } catch let problems as FieldProblems {
            return try form(draft, id: id, problems: problems.byField, status: ErrorPresentation.formWithProblems)
        } catch let stale as StaleVersion {
            // Show what the other save changed, keep this user's values, and let them decide.
            let now = ConnectionDraft(stale.current.settings, organizationID: stale.current.organizationID, version: stale.current.version)
            var mine = draft
            mine.version = now.version
            return try form(mine, id: id, problems: [:], status: ErrorPresentation.conflictingSave, conflict: draft.differences(from: now).map {
                ["field": .text($0.label), "mine": .text($0.mine), "theirs": .text($0.theirs)]
            })
        } catch let error as UserError {
            throw error
        } catch {
            let failure = ErrorPresentation(error, request: page.request)
            var response = try form(draft, id: id, problems: ["form": failure.message], status: failure.status)
            response.headers += failure.headers
            return response
        }
        let notice = URLEncoding.encode((id == nil ? Notice.created : .saved).pairs(count: 1, for: page))
        return .redirect(to: id == nil ? "/connections/\(saved)/invite?\(notice)" : "/connections?\(notice)")
    }

    /// POST /connections/{id}/status and /connections/{id}/delete.
    func setStatus(_ id: Int) throws -> Response {
        guard let status = ConnectionStatus(rawValue: page.request.formValue("status") ?? "") else {
            throw UserError.badRequest("The status must be Enabled or Disabled.")
        }
        _ = try SetConnectionStatus([id], to: status).run(by: page.access, in: page.database)
        return .redirect(to: ReturnPath.safe(page.request.formValue("back")))
    }

    func delete(_ id: Int) throws -> Response {
        try DeleteConnection(id).run(by: page.access, in: page.database)
        return .redirect(to: "/connections?" + URLEncoding.encode(Notice.deleted.pairs(count: 1, for: page)))
    }

    /// The form as typed, each value cut a little past its limit: the checks still name a value
    /// that is too long, and a huge post is not echoed back whole.
    static func draft(from request: Request) -> ConnectionDraft {
        func value(_ name: String, _ limit: Int) -> String { String((request.formValue(name) ?? "").prefix(limit + 1)) }
        var draft = ConnectionDraft()
        draft.organizationID = value("org", 20)
        draft.nameForDrivers = value("name_for_drivers", 200)
        draft.name = value("name", 100)
        draft.type = value("type", 60)
        draft.status = value("status", 60)
        draft.visibility = value("visibility", 60)
        draft.approval = value("approval", 60)
        draft.benefits = request.form.filter { $0.name == "benefit" }.prefix(BenefitKind.allCases.count + 1).map { String($0.value.prefix(60)) }
        draft.discountPercent = value("discount", 10)
        draft.emailDomains = value("domains", 10_000)
        draft.questions = request.form.filter { $0.name == "question" }.prefix(ConnectionDraft.mostQuestions + 1).map { String($0.value.prefix(121)) }
        draft.version = value("version", 20)
        return draft
    }

    /// The question buttons: a new blank question, one removed, or one moved up. nil when saving.
    static func rearranged(_ draft: ConnectionDraft, _ request: Request) -> ConnectionDraft? {
        var draft = draft
        if request.formValue("add_question") != nil {
            draft.questions.append("")
        } else if let index = RequestNumber.parse(request.formValue("remove_question"), in: RequestNumber.smallCounts),
                  draft.questions.indices.contains(index) {
            draft.questions.remove(at: index)
        } else if let index = RequestNumber.parse(request.formValue("raise_question"), in: RequestNumber.smallCounts), index > 0,
                  draft.questions.indices.contains(index) {
            draft.questions.swapAt(index, index - 1)
        } else {
            return nil
        }
        return draft
    }

    func form(_ draft: ConnectionDraft, id: Int?, problems: [String: String], status: Int = 200, conflict: [TemplateValue]? = nil) throws -> Response {
        let names = try Accounts(database: page.database).organizationNames(for: page.access, allowing: .manageConnections)
        func problem(_ field: String) -> TemplateValue { problems[field].map(TemplateValue.text) ?? false }
        func choices(_ values: [String], _ chosen: String) -> TemplateValue {
            .list(values.map { ["value": .text($0), "selected": .bool($0 == chosen)] })
        }
        return page.html(status: status, .connectionForm, title: id == nil ? "New connection" : "Edit connection", [
            "isNew": .bool(id == nil), "id": .text(id.map(String.init) ?? ""),
            "action": .text(id.map { "/connections/\($0)/edit" } ?? "/connections/new"),
            "version": .text(draft.version),
            "hasProblems": .bool(!problems.isEmpty),
            "conflict": .list(conflict ?? []),
            "hasConflict": .bool(conflict != nil),
            "organizations": .list(names.map { ["id": .text($0.id), "name": .text($0.name), "selected": .bool(String($0.id) == draft.organizationID)] }),
            "oneOrganization": .bool(names.count == 1 || id != nil),
            "organizationName": .text(names.first { String($0.id) == draft.organizationID }?.name ?? ""),
            "organizationID": .text(draft.organizationID),
            "nameForDrivers": .text(draft.nameForDrivers), "name": .text(draft.name),
            "presets": .list(ConnectionNamePresets.all.map(TemplateValue.text)),
            "types": choices(ConnectionType.allCases.map(\.rawValue), draft.type),
            "statuses": choices(ConnectionStatus.allCases.map(\.rawValue), draft.status),
            "visibilities": choices(Visibility.allCases.map(\.rawValue), draft.visibility),
            "approvals": choices(ApprovalType.allCases.map(\.rawValue), draft.approval),
            "benefits": .list(BenefitKind.allCases.enumerated().map { index, kind in
                ["value": .text(kind.rawValue), "index": .text(index), "checked": .bool(draft.benefits.contains(kind.rawValue)),
                 "isDiscount": .bool(kind == .discountedCharging)]
            }),
            "discount": .text(draft.discountPercent), "domains": .text(draft.emailDomains),
            "questions": .list(draft.questions.enumerated().map { ["index": .text($0), "number": .text($0 + 1), "text": .text($1), "first": .bool($0 == 0)] }),
            "formProblem": problem("form"), "orgProblem": problem("org"), "nameForDriversProblem": problem("name_for_drivers"), "nameProblem": problem("name"),
            "typeProblem": problem("type"), "statusProblem": problem("status"), "visibilityProblem": problem("visibility"),
            "approvalProblem": problem("approval"), "benefitsProblem": problem("benefits"), "discountProblem": problem("discount"),
            "domainsProblem": problem("domains"), "questionsProblem": problem("questions"),
        ])
    }
}
