import Domain
import FastCGI

/// GET and POST /account/email: the signed-in user turns their digest of waiting requests on or off.
struct AccountEmailPage {
    let page: Page

    func respond() throws -> Response {
        let digests = HostDigests(database: page.database)
        var saved = false
        if !page.request.isRead {
            try digests.set(enabled: page.request.formValue("digest") == "on", userID: page.access.userID)
            saved = true
        }
        return page.html(.accountEmail, title: "Email settings", [
            "digest": .bool(try digests.isEnabled(userID: page.access.userID)),
            "decides": .bool(!page.access.organizations(allowing: .decideMemberships).isEmpty),
            "saved": .bool(saved),
        ])
    }
}
