import Domain
import FastCGI
import Storage
import TestSupport
import XCTest
@testable import Web

/// Who may call the API and how: tokens (made, shown once, stored hashed, last used, revoked,
/// expired), no changes with a session cookie alone, a limit per token, every route for each role,
/// and failures as problem details, never pages.
final class APIAccessTests: APITestCase {
    func testTokensAreShownOnceStoredHashedListedWithLastUseAndRevokedAtOnce() throws {
        let client = try makeClient()
        try client.signIn(DemoData.officerEmail)
        let made = try client.post("/account/tokens", [("name", "Fleet sync"), ("expires", "")])
        XCTAssertEqual(made.status, 201)
        let page = client.text(made)
        guard let range = page.range(of: #"cnx_[A-Za-z0-9_-]{40,}"#, options: .regularExpression) else { return XCTFail(page) }
        let token = String(page[range])
        XCTAssertTrue(page.contains("it is shown only this once"))
        XCTAssertFalse(client.text(client.get("/account/tokens")).contains(token), "shown once")
        let stored = try client.otherConnection().query("SELECT token_hash, expires_at, last_used_at FROM api_tokens WHERE name = 'Fleet sync'") {
            ($0.text(0), $0.optionalText(1), $0.optionalText(2))
        }
        XCTAssertEqual(stored.count, 1)
        XCTAssertNotEqual(stored[0].0, token)
        XCTAssertEqual(stored[0].0.count, 64)
        XCTAssertNil(stored[0].1, "never expires")
        XCTAssertNil(stored[0].2)
        XCTAssertFalse(try client.otherConnection().query("SELECT count(*) FROM api_tokens WHERE token_hash LIKE \(p: 1)", [.text("%" + token.suffix(20) + "%")]) {
            $0.int(0)
        }[0] > 0)

        XCTAssertEqual(client.api("GET", "/api/v1/memberships", token: token).status, 200)
        let listed = client.text(client.get("/account/tokens"))
        XCTAssertTrue(listed.contains("Fleet sync"))
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM api_tokens WHERE last_used_at IS NOT NULL"), 1)
        XCTAssertFalse(listed.contains("<td>never</td></tr>") && listed.components(separatedBy: "never").count > 3, "last used is shown")

        // The same name twice, an empty name, a bad expiry: the form again with its message.
        for (form, status) in [([("name", "fleet SYNC"), ("expires", "30")], 409), ([("name", " "), ("expires", "30")], 400),
                               ([("name", "Other"), ("expires", "99999")], 400)] {
            let answer = try client.post("/account/tokens", form)
            XCTAssertEqual(answer.status, status, "\(form)")
            XCTAssertTrue(client.text(answer).contains(#"class="notice error""#))
        }

        // At most ten tokens a person: each has an allowance of its own.
        for index in 2...APITokens.mostPerUser { XCTAssertEqual(try client.post("/account/tokens", [("name", "Extra \(index)"), ("expires", "")]).status, 201) }
        let eleventh = try client.post("/account/tokens", [("name", "One too many"), ("expires", "")])
        XCTAssertEqual(eleventh.status, 409)
        XCTAssertTrue(client.text(eleventh).contains("You already hold 10 tokens"))
        try client.otherConnection().run("DELETE FROM api_tokens WHERE name LIKE 'Extra %'")

        // Revoked: refused at the very next call. Another user's token id answers like a missing one.
        let id = try client.scalar("SELECT id FROM api_tokens WHERE name = 'Fleet sync'")
        client.signOut()
        try client.signIn(DemoData.viewerEmail)
        XCTAssertEqual(try client.post("/account/tokens/\(id)/revoke").status, 404)
        client.signOut()
        try client.signIn(DemoData.officerEmail)
        XCTAssertEqual(try client.post("/account/tokens/\(id)/revoke").status, 303)
        let refused = client.api("GET", "/api/v1/memberships", token: token)
        XCTAssertEqual(refused.status, 401)
        XCTAssertEqual(client.header(refused, "WWW-Authenticate"), #"Bearer realm="connections""#)
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM audit_log WHERE action IN ('API token created', 'API token revoked') AND subject = 'Fleet sync'"), 2)

        // Expired: refused.
        let expiring = try client.token(for: DemoData.adminEmail, name: "Short")
        XCTAssertEqual(client.api("GET", "/api/v1/memberships", token: expiring).status, 200)
        try client.otherConnection().run("UPDATE api_tokens SET expires_at = '2020-01-01T00:00:00Z' WHERE name = 'Short'")
        XCTAssertEqual(client.api("GET", "/api/v1/memberships", token: expiring).status, 401)
        XCTAssertEqual(client.api("GET", "/api/v1/memberships", token: "cnx_" + String(repeating: "a", count: 43)).status, 401)
    }

    func testASessionCookieReadsButCannotChangeAnything() throws {
        let client = try makeClient()
        try client.signIn(DemoData.adminEmail)
        let id = try client.scalar("SELECT min(id) FROM connections WHERE status = 'Enabled'")
        XCTAssertEqual(client.api("GET", "/api/v1/connections/\(id)", token: nil, cookies: true).status, 200)
        for (method, path, body) in [("POST", "/api/v1/connections/\(id)/disable", nil), ("PATCH", "/api/v1/connections/\(id)", ["version": 1] as JSON?),
                                     ("POST", "/api/v1/memberships/decide", ["action": "approve", "ids": [1]])] {
            // Even with the session's CSRF token in the body: the API takes no cookie for a change.
            let answer = client.api(method, path + "?csrf=" + (try client.csrfToken()), token: nil, json: body, cookies: true)
            XCTAssertEqual(answer.status, 401, path)
            XCTAssertEqual(client.json(answer)["detail"]?.string,
                           "Changes through the API need an API token (Authorization: Bearer …); a signed-in browser's cookie is not enough.")
        }
        XCTAssertEqual(try client.scalar("SELECT status = 'Enabled' FROM connections WHERE id = \(p: 1)", [.init(id)]), 1)
        client.signOut()
        let anonymous = client.api("GET", "/api/v1/connections", token: nil)
        XCTAssertEqual(anonymous.status, 401)
        XCTAssertEqual(client.json(anonymous)["detail"]?.string, APICall.noToken)
        XCTAssertEqual(client.api("GET", "/api/v1/connections", token: nil, json: nil).status, 401)
        let basic = client.send("GET", "/api/v1/connections", headers: ["authorization": "Basic YTpi"], body: [])
        XCTAssertEqual(basic.status, 401)
    }

    func testEachTokenIsLimitedWith429AndRetryAfter() throws {
        let client = try makeClient(apiRequestsPerMinute: 60, apiBurst: 5)
        let first = try client.token(for: DemoData.adminEmail, name: "One")
        let second = try client.token(for: DemoData.adminEmail, name: "Two")
        for _ in 0..<5 { XCTAssertEqual(client.api("GET", "/api/v1/memberships", token: first).status, 200) }
        let limited = client.api("GET", "/api/v1/memberships", token: first)
        XCTAssertEqual(limited.status, 429)
        XCTAssertEqual(client.header(limited, "Retry-After"), "1")
        XCTAssertEqual(client.json(limited)["detail"]?.string, "This API token has made more than 60 requests a minute. Wait 1 second, then go on.")
        XCTAssertEqual(client.api("GET", "/api/v1/memberships", token: second).status, 200, "each token has its own limit")
        // The bucket refills at the rate: one more a second.
        let database = try client.otherConnection()
        let tokenID = try client.scalar("SELECT id FROM api_tokens WHERE name = 'Two'")
        let allowance = APICallAllowance(perMinute: 60, burst: 2)
        let start = Date().addingTimeInterval(3600)
        XCTAssertEqual(try allowance.take(tokenID: tokenID, database: database, now: start), .calls(1))
        XCTAssertEqual(try allowance.take(tokenID: tokenID, database: database, now: start), .calls(1))
        XCTAssertEqual(try allowance.take(tokenID: tokenID, database: database, now: start.addingTimeInterval(0.5)), .wait(seconds: 1))
        XCTAssertEqual(try allowance.take(tokenID: tokenID, database: database, now: start.addingTimeInterval(1.1)), .calls(1))
        XCTAssertEqual(try allowance.take(tokenID: tokenID, database: database, now: start.addingTimeInterval(1.2)), .wait(seconds: 1))
        // A busy token takes its calls a tenth of the burst at a time, never more than the bucket holds.
        let busy = APICallAllowance(perMinute: 6000, burst: 25)
        let later = start.addingTimeInterval(3600)
        XCTAssertEqual(try (0..<3).map { _ in try busy.take(tokenID: tokenID, database: database, now: later) }, [.calls(2), .calls(2), .calls(2)])
        XCTAssertEqual(try (0..<10).map { _ in try busy.take(tokenID: tokenID, database: database, now: later) }.filter { $0 == .calls(2) }.count, 9)
        XCTAssertEqual(try busy.take(tokenID: tokenID, database: database, now: later), .wait(seconds: 1))
        XCTAssertNil(try busy.take(tokenID: 999_999, database: database, now: later), "no such token")
    }

    /// Issue 21: each process kept its buckets in memory, so a token doubled its allowance by waiting
    /// for a rolling restart. The allowance is in the database: a restarted or second process (another
    /// host) takes from the same one, and calls leased by a process that stops are lost, never granted again.
    func testARestartOrASecondProcessGrantsNoFreshBurst() throws {
        let client = try makeClient(apiRequestsPerMinute: 60, apiBurst: 5)
        let token = try client.token(for: DemoData.adminEmail)
        for _ in 0..<5 { XCTAssertEqual(client.api("GET", "/api/v1/memberships", token: token).status, 200) }
        XCTAssertEqual(client.api("GET", "/api/v1/memberships", token: token).status, 429)
        // The process restarted (a new handler and configuration on the same database), and another host's.
        for _ in 0..<2 {
            let restarted = try ConsoleHandler(configuration: WebConfiguration(
                database: client.database, views: client.handler.configuration.views, publicBaseURL: "https://connect.example.test",
                publicDirectory: TestClient.root.appendingPathComponent("Public").path, apiRequestsPerMinute: 60, apiBurst: 5))
            let answer = restarted.respond(to: Request(method: "GET", path: "/api/v1/memberships", headers: ["authorization": "Bearer \(token)"]))
            XCTAssertEqual(answer.status, 429, "no fresh burst after a restart")
        }
        // Leases: a busy token's process holds a few calls; those it had not made when it stopped are lost.
        let tokenID = try client.scalar("SELECT id FROM api_tokens ORDER BY id DESC LIMIT 1")
        let database = try client.otherConnection()
        try database.run("UPDATE api_tokens SET rate_full_at = 0 WHERE id = \(p: 1)", [.init(tokenID)])
        let began = Date()
        var made = 0
        for _ in 0..<4 {
            let process = APIRateLimit(perMinute: 600, burst: 100)
            XCTAssertEqual(process.allowance.lease, 10)
            // 15 calls, two leases of 10: the 5 left die with the process.
            for _ in 0..<15 { try process.take(tokenID: tokenID, database: database); made += 1 }
        }
        let fresh = APIRateLimit(perMinute: 600, burst: 100)
        while (try? fresh.take(tokenID: tokenID, database: database)) != nil { made += 1 }
        let earned = Int(Date().timeIntervalSince(began) * 10) + 10
        XCTAssertLessThanOrEqual(made, 100 - 4 * 5 + earned, "the burst and what the rate earned meanwhile, less the calls leased and lost")
        XCTAssertGreaterThanOrEqual(made, 100 - 4 * 5)
    }

    /// The attack of issue 21: one 1 MiB body of 131,565 distinct keys held a worker 33 s. It is
    /// refused at its 201st member, with a problem answer naming the limit.
    func testABodyOfManyKeysIsRefusedNamingTheLimit() throws {
        let client = try makeClient()
        let token = try client.token(for: DemoData.officerEmail)
        let body = "{" + (0..<131_565).map { "\"k\($0)\":1" }.joined(separator: ",") + "}"
        let refused = client.send("POST", "/api/v1/memberships/decide", headers: ["authorization": "Bearer \(token)", "content-type": "application/json"],
                                  body: Array(body.utf8))
        XCTAssertEqual(refused.status, 400)
        XCTAssertEqual(client.header(refused, "Content-Type"), "application/problem+json")
        XCTAssertEqual(client.json(refused)["detail"]?.string,
                       "An object in the body has more than 200 members (at byte 1692): no object of this API has nearly that many.")
        let many = "{\"action\":\"approve\",\"ids\":[" + Array(repeating: "1", count: 25_000).joined(separator: ",") + "]}"
        let tooMany = client.send("POST", "/api/v1/memberships/decide", headers: ["authorization": "Bearer \(token)", "content-type": "application/json"],
                                  body: Array(many.utf8))
        XCTAssertEqual(tooMany.status, 400)
        XCTAssertEqual(client.json(tooMany)["detail"]?.string?.hasPrefix("The body holds more than 20000 JSON values"), true)
    }

    func testFailuresAreProblemDetailsNeverPages() throws {
        let client = try makeClient(busyTimeoutMilliseconds: 100)
        let token = try client.token(for: DemoData.adminEmail)
        func problem(_ response: Response, _ status: Int, _ what: String) {
            XCTAssertEqual(response.status, status, what)
            XCTAssertEqual(client.header(response, "Content-Type"), "application/problem+json", what)
            XCTAssertFalse(client.text(response).contains("<html"), what)
            XCTAssertEqual(client.json(response)["status"]?.int, status, what)
        }
        problem(client.api("GET", "/api/v1/nope", token: token), 404, "an unknown path")
        problem(client.api("GET", "/api/v1/connections/abc", token: token), 404, "a non-number id")
        let wrongMethod = client.api("DELETE", "/api/v1/connections/1", token: token)
        problem(wrongMethod, 405, "a method the path does not answer")
        XCTAssertEqual(client.header(wrongMethod, "Allow"), "GET, HEAD, PATCH")
        let id = try client.scalar("SELECT min(id) FROM connections")
        let notJSON = client.send("PATCH", "/api/v1/connections/\(id)", headers: ["authorization": "Bearer \(token)", "content-type": "application/json"],
                                  body: Array(#"{"version": 1, "name": "#.utf8))
        problem(notJSON, 400, "a body that is not JSON")
        XCTAssertEqual(client.json(notJSON)["detail"]?.string, "The body is not valid JSON: an unexpected end at byte 24.")
        problem(client.send("PATCH", "/api/v1/connections/\(id)", headers: ["authorization": "Bearer \(token)", "content-type": "text/plain"],
                            body: Array("name=x".utf8)), 400, "a form instead of JSON")
        var deep: JSON = [1]
        for _ in 0..<25 { deep = ["a": deep] }
        problem(client.api("PATCH", "/api/v1/connections/\(id)", token: token, json: deep), 400, "nesting")
        // A body the transport refused, on an API path.
        problem(client.handler.refuse(.bodyTooLarge(limit: 1024), request: Request(method: "POST", path: "/api/v1/connections")), 413, "too large")
        // The database locked by another writer: 503 with Retry-After, as JSON.
        let holder = try client.otherConnection()
        try holder.holdWriteLock()
        let busy = client.api("POST", "/api/v1/connections/\(id)/disable", token: token)
        try holder.execute("ROLLBACK")
        problem(busy, 503, "a busy database")
        XCTAssertEqual(client.header(busy, "Retry-After"), "2")
        XCTAssertEqual(client.json(busy)["detail"]?.string, "The database is busy with another change. Nothing was saved: try again in a moment.")
        // The console's pages still answer with pages.
        XCTAssertEqual(client.header(client.get("/nope"), "Content-Type"), "text/html; charset=utf-8")
    }

    func testTheDocumentDescribesEveryAPIRouteAndNothingElse() throws {
        let client = try makeClient()
        let served = client.api("GET", "/api/v1/openapi.json", token: nil)
        XCTAssertEqual(served.status, 200)
        let document = client.json(served)
        XCTAssertEqual(document["openapi"]?.string, "3.1.0")
        guard case .object(let paths)? = document["paths"] else { return XCTFail() }
        let documented = Set(paths.flatMap { path, item -> [String] in
            guard case .object(let operations) = item else { return [] }
            return operations.map { "\($0.0.uppercased()) \(path)" }
        })
        let routed = Set(ConsoleHandler.routes.filter { Route.isAPI($0.path) }.flatMap { route in
            route.methods.map { "\($0) \(route.path.replacingOccurrences(of: ":Int}", with: "}"))" }
        })
        XCTAssertEqual(documented, routed)
        // Every operation documents its errors as problem details, and every schema named exists.
        for (_, item) in paths {
            guard case .object(let operations) = item else { continue }
            for (method, operation) in operations where method != "get" || operation["operationId"]?.string != "openapi" {
                for status in ["400", "401", "429"] { XCTAssertNotNil(operation["responses"]?[status], "\(method) \(operation["operationId"] ?? .null) \(status)") }
            }
        }
        // Its column keys, conditions and values are the catalog's, the operator table's and the vocabulary's.
        // Each list is written once, as a component, and referred to wherever it is used.
        let schemas = document["components"]?["schemas"]
        XCTAssertEqual(schemas?["Condition"]?["enum"], .array(FilterConditions.all.map { .string($0.key) }))
        XCTAssertEqual(schemas?["ColumnKey"]?["enum"], .array(ColumnCatalog.all.map { .string($0.key) }))
        XCTAssertEqual(schemas?["ConnectionStatus"]?["enum"], ["Enabled", "Disabled"])
        XCTAssertEqual(schemas?["ConnectionRow"]?["properties"]?["status"]?["$ref"], "#/components/schemas/ConnectionStatus")
        XCTAssertEqual(document["components"]?["parameters"]?["Filter"]?["schema"]?["items"]?["pattern"]?.string, FilterPattern.parameter)
        let text = String(decoding: OpenAPIDocument.bytes, as: UTF8.self)
        XCTAssertEqual(text.components(separatedBy: "\"not_contains\"").count - 1, 1, "the conditions are written out once")
        XCTAssertEqual(text.components(separatedBy: "\"connected_drivers\"").count - 1, 2, "the columns once, and the row's field once")
        // `size` is a range a generated client can send any number of; timestamps are date-times; nginx's answers are declared.
        XCTAssertEqual(document["components"]?["parameters"]?["Size"]?["schema"]?["type"], "integer")
        XCTAssertNil(document["components"]?["parameters"]?["Size"]?["schema"]?["enum"])
        XCTAssertEqual(schemas?["Membership"]?["properties"]?["requested_at"]?["format"], "date-time")
        XCTAssertEqual(schemas?["ConnectionRow"]?["properties"]?["created_at"]?["format"], "date-time")
        for status in ["414", "500", "502", "503", "504"] {
            XCTAssertNotNil(document["paths"]?["/api/v1/connections"]?["get"]?["responses"]?[status], status)
        }
    }

    /// Every API route asked with no token and with the token of each role: the status its rule gives.
    func testEveryAPIRouteAnswersEachRoleAsItsRuleSays() throws {
        let client = try makeClient()
        let officerOrg = try client.scalar("SELECT min(org_id) FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.email = \(p: 1)",
                                           [.text(DemoData.officerEmail)])
        let x = try client.scalar("SELECT min(id) FROM connections WHERE org_id = \(p: 1) AND status = 'Enabled'", [.init(officerOrg)])
        let version = try client.scalar("SELECT version FROM connections WHERE id = \(p: 1)", [.init(x)])
        let tokens = [nil] + (try [DemoData.viewerEmail, DemoData.officerEmail, DemoData.adminEmail].map { try client.token(for: $0) })
        struct Probe {
            let method: String
            let route: String
            let target: String
            var body: JSON? = nil
            /// No token, Viewer, Connections officer, Admin.
            let expected: [Int]
        }
        let probes = [
            Probe(method: "GET", route: "/api/v1/openapi.json", target: "/api/v1/openapi.json", expected: [200, 200, 200, 200]),
            Probe(method: "GET", route: "/api/v1/connections", target: "/api/v1/connections", expected: [401, 200, 200, 200]),
            Probe(method: "POST", route: "/api/v1/connections", target: "/api/v1/connections", body: ["name": ""], expected: [401, 403, 403, 400]),
            Probe(method: "GET", route: "/api/v1/connections/export.csv", target: "/api/v1/connections/export.csv", expected: [401, 200, 200, 200]),
            Probe(method: "GET", route: "/api/v1/connections/export.ndjson", target: "/api/v1/connections/export.ndjson?f=name&op=is&v=x",
                  expected: [401, 200, 200, 200]),
            Probe(method: "GET", route: "/api/v1/connections/{id:Int}", target: "/api/v1/connections/\(x)", expected: [401, 404, 200, 200]),
            Probe(method: "PATCH", route: "/api/v1/connections/{id:Int}", target: "/api/v1/connections/\(x)", body: ["version": .int(version)],
                  expected: [401, 404, 403, 200]),
            Probe(method: "POST", route: "/api/v1/connections/{id:Int}/disable", target: "/api/v1/connections/\(x)/disable", expected: [401, 404, 403, 200]),
            Probe(method: "POST", route: "/api/v1/connections/{id:Int}/enable", target: "/api/v1/connections/\(x)/enable", expected: [401, 404, 403, 200]),
            Probe(method: "POST", route: "/api/v1/connections/{id:Int}/rotate", target: "/api/v1/connections/\(x)/rotate", body: ["what": "code"],
                  expected: [401, 404, 403, 200]),
            Probe(method: "GET", route: "/api/v1/connections/{id:Int}/memberships", target: "/api/v1/connections/\(x)/memberships",
                  expected: [401, 404, 200, 200]),
            Probe(method: "POST", route: "/api/v1/connections/import", target: "/api/v1/connections/import", body: ["name": "x"],
                  expected: [401, 403, 403, 400]),
            // A JSON body is not a file: 400 once the caller may import.
            Probe(method: "POST", route: "/api/v1/connections/{id:Int}/memberships/import", target: "/api/v1/connections/\(x)/memberships/import",
                  body: ["email": "x"], expected: [401, 404, 400, 400]),
            Probe(method: "GET", route: "/api/v1/memberships", target: "/api/v1/memberships", expected: [401, 200, 200, 200]),
            Probe(method: "POST", route: "/api/v1/memberships/decide", target: "/api/v1/memberships/decide", body: ["action": "approve", "ids": []],
                  expected: [401, 403, 400, 400]),
            Probe(method: "GET", route: "/api/v1/views", target: "/api/v1/views", expected: [401, 200, 200, 200]),
            Probe(method: "POST", route: "/api/v1/memberships/expiry", target: "/api/v1/memberships/expiry", body: ["ids": [], "ends": .null],
                  expected: [401, 403, 400, 400]),
            Probe(method: "GET", route: "/api/v1/audit", target: "/api/v1/audit", expected: [401, 403, 403, 200]),
            Probe(method: "GET", route: "/api/v1/overview", target: "/api/v1/overview", expected: [401, 200, 200, 200]),
            // Webhooks: Admins only; no webhook 999999 exists.
            Probe(method: "GET", route: "/api/v1/webhooks", target: "/api/v1/webhooks", expected: [401, 403, 403, 200]),
            Probe(method: "POST", route: "/api/v1/webhooks", target: "/api/v1/webhooks", expected: [401, 403, 403, 400]),
        ] + [("GET", ""), ("DELETE", ""), ("GET", "/deliveries"), ("POST", "/enable"), ("POST", "/pause"), ("POST", "/rotate"), ("POST", "/test")].map {
            Probe(method: $0.0, route: "/api/v1/webhooks/{id:Int}" + $0.1, target: "/api/v1/webhooks/999999" + $0.1, expected: [401, 403, 403, 404])
        } + [Probe(method: "POST", route: "/api/v1/webhooks/{id:Int}/resend", target: "/api/v1/webhooks/999999/resend", body: ["delivery_id": 1],
                   expected: [401, 403, 403, 404])]
        XCTAssertEqual(Set(probes.map { "\($0.method) \($0.route)" }),
                       Set(ConsoleHandler.routes.filter { Route.isAPI($0.path) }.flatMap { route in route.methods.map { "\($0) \(route.path)" } }),
                       "every API route is probed")
        for (index, token) in tokens.enumerated() {
            for probe in probes {
                let response = client.api(probe.method, probe.target, token: token, json: probe.body ?? (probe.method == "GET" ? nil : [:]))
                XCTAssertEqual(response.status, probe.expected[index], "\(probe.method) \(probe.target) as role \(index): \(client.text(response).prefix(300))")
            }
        }
    }
}
