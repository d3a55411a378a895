import Domain
import FastCGI

/// /account/tokens: a user's API tokens. Making one shows it once, on the answer to the POST (never
/// in an address); the list shows each token's name, expiry and when it was last used, and
/// revoking one stops it at once.
struct APITokensPage {
    let page: Page

    var tokens: APITokens { APITokens(database: page.database) }

    /// Expiry choices of the form, in days; empty for never.
    static let expiryChoices: [(value: String, label: String)] = [("30", "in 30 days"), ("90", "in 90 days"), ("365", "in a year"), ("", "never")]

    func respond() throws -> Response {
        guard !page.request.isRead else {
            return try show(notice: page.request.queryValue("revoked") == "1" ? "The token was revoked: it no longer works." : nil)
        }
        let name = String((page.request.formValue("name") ?? "").prefix(APITokens.longestName + 1))
        let expiry = page.request.formValue("expires") ?? ""
        do {
            let days = try expiry.isEmpty ? nil : RequestNumber.parse(expiry, in: APITokens.expiryDays) ?? {
                throw UserError.badRequest("A token expires after 1 to \(APITokens.expiryDays.upperBound) days, or never.")
            }()
            let made = try tokens.create(name: name, expiresInDays: days, by: page.access)
            return try show(created: made.token, createdName: name.trimmingCharacters(in: .whitespaces), status: 201)
        } catch {
            // The form comes back with its problem and what was typed (a busy database too).
            let failure = ErrorPresentation(error, request: page.request)
            var response = try show(problem: failure.message, name: name, expiry: expiry, status: failure.status)
            response.headers += failure.headers
            return response
        }
    }

    /// POST /account/tokens/{id}/revoke
    func revoke(_ id: Int) throws -> Response {
        try tokens.revoke(id, by: page.access)
        return .redirect(to: "/account/tokens?revoked=1")
    }

    func show(created: String? = nil, createdName: String = "", notice: String? = nil, problem: String? = nil, name: String = "",
              expiry: String = "90", status: Int = 200) throws -> Response {
        let list = try tokens.list(userID: page.access.userID)
        return page.html(status: status, .tokens, title: "API tokens", [
            "created": created.map { ["token": .text($0), "name": .text(createdName)] } ?? false,
            "notice": notice.map(TemplateValue.text) ?? false,
            "problem": problem.map(TemplateValue.text) ?? false,
            "name": .text(name),
            "longestName": .text(APITokens.longestName),
            "expiries": .list(Self.expiryChoices.map { ["value": .text($0.value), "label": .text($0.label), "selected": .bool($0.value == expiry)] }),
            "hasTokens": .bool(!list.isEmpty),
            "tokens": .list(list.map { token in
                ["id": .text(token.id), "name": .text(token.name), "created": .text(DateText.display(token.createdAt)),
                 "expires": .text(token.expiresAt.map(DateText.display) ?? "never"),
                 "lastUsed": .text(token.lastUsedAt.map(DateText.display) ?? "never")]
            }),
        ])
    }
}
