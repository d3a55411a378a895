import Domain
import FastCGI
import XCTest
@testable import Web

/// Every route of the route table, asked by each role: the status each must get.
final class RouteAccessTests: XCTestCase {
    struct Probe {
        let method: String
        /// The route table's path, to prove every route is probed.
        let route: String
        let target: String
        var form: [(String, String)] = []
        /// Anonymous, Viewer, Connections officer, Admin.
        let expected: [Int]
    }

    func testEveryRouteAnswersEachRoleAsItsRuleSays() throws {
        let client = try TestClient()
        let officerOrg = try client.scalar("SELECT min(org_id) FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.email = \(p: 1)",
                                           [.text(DemoData.officerEmail)])
        let viewerOrg = try client.scalar("SELECT min(org_id) FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.email = \(p: 1)",
                                          [.text(DemoData.viewerEmail)])
        XCTAssertNotEqual(officerOrg, viewerOrg)
        // X: the officer's organization; Y: the viewer's; W: the officer's, with no connected drivers (deletable).
        let x = try client.scalar("SELECT min(id) FROM connections WHERE org_id = \(p: 1) AND connected_drivers > 0", [.init(officerOrg)])
        let y = try client.scalar("SELECT min(id) FROM connections WHERE org_id = \(p: 1)", [.init(viewerOrg)])
        let w = try client.scalar("SELECT max(id) FROM connections WHERE org_id = \(p: 1) AND connected_drivers = 0 AND id <> \(p: 2)",
                                  [.init(officerOrg), .init(x)])
        let other = try client.otherConnection()
        let invite = try other.query("SELECT invite_token FROM connections WHERE status = 'Enabled' LIMIT 1") { $0.text(0) }[0]
        // A status link, an open confirmation link and a digest's unsubscribe link, as the driver and email features leave them.
        let status = String(repeating: "s", count: 43)
        let confirmation = String(repeating: "c", count: 44), unsubscribe = String(repeating: "u", count: 44)
        try other.run("INSERT INTO status_links (token_hash, membership_id) VALUES (sha256_hex(\(p: 1)), (SELECT min(id) FROM memberships))", [.text(status)])
        try other.run("INSERT INTO email_confirmations (token_hash, membership_id, expires_at) VALUES (sha256_hex(\(p: 1)), (SELECT min(id) FROM memberships), '2999-01-01T00:00:00Z')",
                      [.text(confirmation)])
        try other.run("INSERT INTO unsubscribe_links (token_hash, user_id) VALUES (sha256_hex(\(p: 1)), (SELECT min(id) FROM users))", [.text(unsubscribe)])
        let invitation = String(repeating: "i", count: 43)
        try other.run("""
            INSERT INTO user_invitations (org_id, email, role, token_hash, created_at, expires_at)
            VALUES ((SELECT min(id) FROM organizations), 'invited@x.test', 'Viewer', sha256_hex(\(p: 1)), 'x', '2999-01-01T00:00:00Z')
            """, [.text(invitation)])
        let everyColumn = ColumnCatalog.all.map { ("order", $0.key) } + [("show", "name"), ("action", "apply"), ("back", "")]

        let probes: [Probe] = [
            Probe(method: "GET", route: "/healthz", target: "/healthz", expected: [200, 200, 200, 200]),
            Probe(method: "GET", route: "/readyz", target: "/readyz", expected: [200, 200, 200, 200]),
            Probe(method: "GET", route: "/login", target: "/login", expected: [200, 200, 200, 200]),
            // Single sign-on: no organization here has it; a callback without its sign-in under way.
            Probe(method: "GET", route: "/login/sso", target: "/login/sso?org=\(officerOrg)", expected: [404, 404, 404, 404]),
            Probe(method: "GET", route: "/login/sso/callback", target: "/login/sso/callback?code=x&state=\(status)", expected: [400, 400, 400, 400]),
            Probe(method: "GET", route: "/join/{token}", target: "/join/\(invite)", expected: [200, 200, 200, 200]),
            Probe(method: "GET", route: "/find", target: "/find", expected: [200, 200, 200, 200]),
            Probe(method: "GET", route: "/status/{token}", target: "/status/\(status)", expected: [200, 200, 200, 200]),
            // Without the status page's form token (its cookie), asking again is refused, signed in or not.
            Probe(method: "POST", route: "/status/{token}/again", target: "/status/\(status)/again", form: [("name", "X"), ("terms", "yes")],
                  expected: [403, 403, 403, 403]),
            // Renewal: the probe's request is not a connected membership that ends, so there is nothing to renew.
            Probe(method: "POST", route: "/status/{token}/renew", target: "/status/\(status)/renew", expected: [409, 409, 409, 409]),
            Probe(method: "POST", route: "/status/{token}/confirm-answers", target: "/status/\(status)/confirm-answers", expected: [409, 409, 409, 409]),
            Probe(method: "GET", route: "/confirm/{token}", target: "/confirm/\(confirmation)", expected: [200, 200, 200, 200]),
            Probe(method: "GET", route: "/unsubscribe/{token}", target: "/unsubscribe/\(unsubscribe)", expected: [200, 200, 200, 200]),
            Probe(method: "GET", route: "/invitation/{token}", target: "/invitation/\(invitation)", expected: [200, 200, 200, 200]),
            Probe(method: "GET", route: "/invitations", target: "/invitations", expected: [303, 200, 200, 200]),
            Probe(method: "GET", route: "/", target: "/", expected: [303, 303, 303, 303]),
            Probe(method: "GET", route: "/overview", target: "/overview", expected: [303, 200, 200, 200]),
            Probe(method: "GET", route: "/connections", target: "/connections", expected: [303, 200, 200, 200]),
            Probe(method: "GET", route: "/connections/filter-catalog", target: "/connections/filter-catalog", expected: [303, 200, 200, 200]),
            Probe(method: "GET", route: "/connections/organizations", target: "/connections/organizations", expected: [303, 200, 200, 200]),
            Probe(method: "POST", route: "/connections/columns", target: "/connections/columns", form: everyColumn, expected: [401, 303, 303, 303]),
            Probe(method: "POST", route: "/connections/density", target: "/connections/density", form: [("density", "comfortable")],
                  expected: [401, 303, 303, 303]),
            Probe(method: "POST", route: "/connections/views", target: "/connections/views", form: [("action", "save-as"), ("name", "Mine"), ("state", "")],
                  expected: [401, 303, 303, 303]),
            Probe(method: "POST", route: "/connections/export", target: "/connections/export", form: [("format", "csv"), ("state", "")],
                  expected: [401, 200, 200, 200]),
            Probe(method: "POST", route: "/connections/bulk", target: "/connections/bulk", form: [("action", "disable"), ("c", "\(x)")],
                  expected: [401, 403, 403, 200]),
            Probe(method: "POST", route: "/connections/bulk", target: "/connections/bulk", form: [("action", "export"), ("c", "\(x)")],
                  expected: [401, 200, 200, 200]),
            Probe(method: "POST", route: "/connections/bulk/undo", target: "/connections/bulk/undo", form: [("bulk", "1"), ("bs", "x")],
                  expected: [401, 403, 403, 404]),
            Probe(method: "GET", route: "/connections/new", target: "/connections/new", expected: [303, 403, 403, 200]),
            Probe(method: "GET", route: "/connections/import", target: "/connections/import", expected: [303, 403, 403, 200]),
            Probe(method: "GET", route: "/connections/{id:Int}", target: "/connections/\(x)", expected: [303, 404, 200, 200]),
            Probe(method: "GET", route: "/connections/{id:Int}", target: "/connections/\(y)", expected: [303, 200, 404, 200]),
            Probe(method: "GET", route: "/search", target: "/search?q=fleet", expected: [303, 200, 200, 200]),
            Probe(method: "GET", route: "/search/suggest", target: "/search/suggest?q=fleet", expected: [303, 200, 200, 200]),
            Probe(method: "GET", route: "/connections/{id:Int}/invite", target: "/connections/\(x)/invite", expected: [303, 404, 200, 200]),
            Probe(method: "GET", route: "/connections/{id:Int}/invite", target: "/connections/\(y)/invite", expected: [303, 403, 404, 200]),
            Probe(method: "GET", route: "/connections/{id:Int}/qr.svg", target: "/connections/\(x)/qr.svg", expected: [303, 404, 200, 200]),
            Probe(method: "GET", route: "/connections/{id:Int}/qr.png", target: "/connections/\(x)/qr.png", expected: [303, 404, 200, 200]),
            Probe(method: "POST", route: "/connections/{id:Int}/invite/email", target: "/connections/\(x)/invite/email",
                  form: [("step", "check"), ("addresses", "new.driver@example.test")], expected: [401, 404, 200, 200]),
            Probe(method: "POST", route: "/connections/{id:Int}/rotate", target: "/connections/\(x)/rotate", form: [("what", "code"), ("confirm", "1")],
                  expected: [401, 404, 403, 303]),
            Probe(method: "GET", route: "/connections/{id:Int}/roster.csv", target: "/connections/\(y)/roster.csv", expected: [303, 200, 404, 200]),
            Probe(method: "GET", route: "/connections/{id:Int}/roster.xlsx", target: "/connections/\(x)/roster.xlsx", expected: [303, 404, 200, 200]),
            Probe(method: "GET", route: "/connections/{id:Int}/import", target: "/connections/\(y)/import", expected: [303, 403, 404, 200]),
            Probe(method: "GET", route: "/connections/{id:Int}/requests", target: "/connections/\(x)/requests", expected: [303, 404, 200, 200]),
            Probe(method: "GET", route: "/connections/{id:Int}/requests", target: "/connections/\(y)/requests", expected: [303, 200, 404, 200]),
            Probe(method: "GET", route: "/connections/{id:Int}/edit", target: "/connections/\(x)/edit", expected: [303, 404, 403, 200]),
            Probe(method: "POST", route: "/connections/{id:Int}/status", target: "/connections/\(x)/status", form: [("status", "Disabled")],
                  expected: [401, 404, 403, 303]),
            Probe(method: "POST", route: "/connections/{id:Int}/delete", target: "/connections/\(w)/delete", expected: [401, 404, 403, 303]),
            Probe(method: "POST", route: "/connections/{id:Int}/membership-length", target: "/connections/\(x)/membership-length",
                  form: [("kind", "days"), ("amount", "30")], expected: [401, 404, 403, 303]),
            Probe(method: "POST", route: "/connections/{id:Int}/expiry", target: "/connections/\(x)/expiry", form: [("ends", "")],
                  expected: [401, 404, 400, 400]),
            Probe(method: "POST", route: "/connections/{id:Int}/renewal-reminders", target: "/connections/\(x)/renewal-reminders",
                  form: [("reminders", "14, 3")], expected: [401, 404, 403, 303]),
            Probe(method: "POST", route: "/connections/{id:Int}/reverification", target: "/connections/\(x)/reverification",
                  form: [("every", "365")], expected: [401, 404, 403, 303]),
            Probe(method: "POST", route: "/connections/{id:Int}/renew", target: "/connections/\(x)/renew", expected: [401, 404, 400, 400]),
            Probe(method: "GET", route: "/requests", target: "/requests", expected: [303, 200, 200, 200]),
            Probe(method: "POST", route: "/requests/decide", target: "/requests/decide", form: [("action", "approve")], expected: [401, 403, 400, 400]),
            Probe(method: "GET", route: "/users", target: "/users", expected: [303, 403, 403, 200]),
            Probe(method: "GET", route: "/audit", target: "/audit", expected: [303, 403, 403, 200]),
            Probe(method: "GET", route: "/webhooks", target: "/webhooks", expected: [303, 403, 403, 200]),
            Probe(method: "GET", route: "/webhooks/{id:Int}", target: "/webhooks/999999", expected: [303, 403, 403, 404]),
            Probe(method: "GET", route: "/account/tokens", target: "/account/tokens", expected: [303, 200, 200, 200]),
            Probe(method: "POST", route: "/account/tokens/{id:Int}/revoke", target: "/account/tokens/999999/revoke", expected: [401, 404, 404, 404]),
            Probe(method: "GET", route: "/email", target: "/email", expected: [303, 403, 403, 200]),
            Probe(method: "POST", route: "/email/retry", target: "/email/retry", expected: [401, 403, 403, 303]),
            // The test client has no installation key, and email is not set up: nothing to save with, nothing to test.
            Probe(method: "POST", route: "/email/settings", target: "/email/settings", expected: [401, 403, 403, 409]),
            Probe(method: "POST", route: "/email/test", target: "/email/test", expected: [401, 403, 403, 409]),
            Probe(method: "GET", route: "/sso", target: "/sso", expected: [303, 403, 403, 200]),
            Probe(method: "GET", route: "/account/email", target: "/account/email", expected: [303, 200, 200, 200]),
            Probe(method: "GET", route: "/directory", target: "/directory", expected: [303, 403, 403, 200]),
            // SCIM takes only its own bearer token: a session is no key to it.
            Probe(method: "GET", route: "/scim/v2/{resource}", target: "/scim/v2/Users", expected: [401, 401, 401, 401]),
            Probe(method: "GET", route: "/scim/v2/{resource}/{id}", target: "/scim/v2/Users/1", expected: [401, 401, 401, 401]),
            Probe(method: "POST", route: "/logout", target: "/logout", expected: [401, 303, 303, 303]),
        ]
        XCTAssertEqual(Set(probes.map { "\($0.method) \($0.route)" }),
                       Set(ConsoleHandler.routes.filter { !Route.isAPI($0.path) }.flatMap { route in
                           route.methods.filter { $0 == "GET" || route.methods == ["POST"] }.map { "\($0) \(route.path)" }
                       }), "every route but the API's is probed (APIAccessTests probes those)")

        for (index, user) in [nil, DemoData.viewerEmail, DemoData.officerEmail, DemoData.adminEmail].enumerated() {
            client.signOut()
            if let user { try client.signIn(user) }
            for probe in probes {
                let response = probe.method == "GET" ? client.get(probe.target) : try client.post(probe.target, probe.form)
                XCTAssertEqual(response.status, probe.expected[index], "\(probe.method) \(probe.target) as \(user ?? "anonymous"): \(client.text(response).prefix(400))")
                if probe.route != "/logout" && response.status == 303 && client.cookies[SessionCookie.name] == nil && user != nil {
                    XCTFail("\(probe.target) ended the session")
                }
            }
        }
    }

    func testUnknownPathsAre404AndOtherMethods405WithAllow() throws {
        let client = try TestClient()
        try client.signIn(DemoData.adminEmail)
        for method in ["PUT", "DELETE", "OPTIONS", "PATCH", "POST"] {
            let response = client.request(method, "/healthz")
            XCTAssertEqual(response.status, 405, method)
            XCTAssertEqual(client.header(response, "Allow"), "GET, HEAD", method)
        }
        XCTAssertEqual(client.header(client.request("DELETE", "/connections/1/edit"), "Allow"), "GET, HEAD, POST")
        XCTAssertEqual(client.header(client.request("GET", "/connections/1/rotate"), "Allow"), "POST")
        XCTAssertEqual(client.request("PUT", "/connections").status, 405)
        XCTAssertEqual(client.request("HEAD", "/connections").status, 200)
        XCTAssertEqual(client.request("HEAD", "/healthz").status, 200)
        for path in ["/nope", "/connections/abc/invite", "/connections/0/invite", "/connections/-1/invite",
                     "/connections/99999999999999999999999/invite", "/connections/9223372036854775807/invite", "/connections/1/invite/x",
                     "/join/" + String(repeating: "t", count: 5000)] {
            XCTAssertEqual(client.get(path).status, 404, path)
        }
    }

    func testTheREADMEListsExactlyTheRouteTable() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        XCTAssertTrue(readme.contains(ConsoleHandler.routeDocumentation),
                      "README.md's route list differs from the route table; paste this in:\n\(ConsoleHandler.routeDocumentation)")
    }
}
