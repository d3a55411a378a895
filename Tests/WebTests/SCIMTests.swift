import Domain
import FastCGI
import Storage
import XCTest
@testable import Web

/// The SCIM service through the in-process console, on SQLite or PostgreSQL (TestDatabases): the
/// request sequences Okta and Microsoft Entra document for provisioning and deprovisioning, their
/// quirks, and bad input. The directory's changes are the same decisions a host makes: the same
/// emails, audit entries (by "directory") and events.
final class SCIMTests: XCTestCase {
    private var client: TestClient!
    private var organization = 0
    private var token = ""
    private var connection: (id: Int, name: String) = (0, "")

    override func setUpWithError() throws {
        client = try TestClient(connections: 20)
        try client.signIn(DemoData.adminEmail)
        organization = try client.scalar("SELECT min(org_id) FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.email = \(p: 1) AND r.role = 'Admin'",
                                         [.text(DemoData.adminEmail)])
        token = try makeToken(organization: organization)
        connection = try XCTUnwrap(client.otherConnection().query("SELECT id, name FROM connections WHERE org_id = \(p: 1) ORDER BY id LIMIT 1",
                                                                  [.init(organization)]) { (id: $0.int(0), name: $0.text(1)) }.first)
    }

    override func tearDown() { client = nil }

    private func makeToken(organization: Int) throws -> String {
        let page = try client.post("/directory", [("org", String(organization)), ("action", "token"), ("name", "Okta")])
        XCTAssertEqual(page.status, 201, client.text(page))
        let text = client.text(page)
        let range = try XCTUnwrap(text.range(of: #"scim_[A-Za-z0-9_-]+"#, options: .regularExpression), "no token shown")
        return String(text[range])
    }

    @discardableResult
    private func scim(_ method: String, _ target: String, _ body: String? = nil, token: String? = nil, headers: [String: String] = [:],
                      status: Int, file: StaticString = #filePath, line: UInt = #line) -> JSON {
        var headers = headers
        headers["authorization"] = "Bearer \(token ?? self.token)"
        headers["content-type"] = "application/scim+json"
        let response = client.send(method, "/scim/v2" + target, headers: headers, body: Array((body ?? "").utf8))
        XCTAssertEqual(response.status, status, "\(method) \(target): \(client.text(response).prefix(400))", file: file, line: line)
        if response.status != 204 { XCTAssertEqual(client.header(response, "Content-Type"), SCIMService.contentType, file: file, line: line) }
        return (try? JSON.parse(client.bytes(response))) ?? .null
    }

    private func state(of email: String) throws -> String? {
        try client.otherConnection().query("""
            SELECT m.state FROM memberships m JOIN drivers d ON d.id = m.driver_id WHERE m.connection_id = \(p: 1) AND lower(d.email) = lower(\(p: 2))
            """, [.init(connection.id), .text(email)]) { $0.text(0) }.first
    }

    private func emails(_ kind: String, to email: String) throws -> Int {
        try client.scalar("SELECT count(*) FROM outbox WHERE kind = \(p: 1) AND lower(recipient) = lower(\(p: 2))", [.text(kind), .text(email)])
    }

    private func directoryAudits(_ action: String, _ email: String) throws -> Int {
        try client.scalar("SELECT count(*) FROM audit_log WHERE actor = 'directory' AND action = \(p: 1) AND subject = \(p: 2) AND user_id IS NULL",
                          [.text(action), .text(email)])
    }

    /// Okta's documented sequence: look the user up, create it, push the group (named like the
    /// connection: mapped at once), add the member, then deactivate (PATCH replace active false).
    func testOktaProvisioningThenDeactivationRemovesTheDriverWithEmailAndAudit() throws {
        let email = "jane.okta@example.org"
        let found = scim("GET", "/Users?filter=" + "userName eq \"\(email)\"".addingPercentEncoding(withAllowedCharacters: .alphanumerics)! + "&startIndex=1&count=100", status: 200)
        XCTAssertEqual(found["totalResults"], .int(0))
        let user = scim("POST", "/Users", """
            {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"\(email)","name":{"givenName":"Jane","familyName":"Okta"},
             "emails":[{"primary":true,"value":"\(email)","type":"work"}],"displayName":"Jane Okta","locale":"en-US","externalId":"00u1",
             "groups":[],"password":"1mz050nq","active":true}
            """, status: 201)
        let userID = try XCTUnwrap(user["id"]?.string)
        XCTAssertEqual(user["meta"]?["resourceType"], .string("User"))
        XCTAssertNil(user["password"], "a password is never kept or returned")
        XCTAssertEqual(scim("GET", "/Users?filter=userName%20eq%20%22JANE.OKTA@example.org%22", status: 200)["totalResults"], .int(1), "userName is caseless")
        let group = scim("POST", "/Groups", """
            {"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"\(connection.name)","members":[]}
            """, status: 201)
        let groupID = try XCTUnwrap(group["id"]?.string)
        XCTAssertNil(try state(of: email), "no driver before the group has members")
        scim("PATCH", "/Groups/\(groupID)", """
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"\(userID)","display":"\(email)"}]}]}
            """, status: 204)
        XCTAssertEqual(try state(of: email), "Connected", "a member of the mapped group is connected at once")
        XCTAssertEqual(try emails("request approved", to: email), 1)
        XCTAssertEqual(try directoryAudits("Approved driver", email), 1)

        scim("PATCH", "/Users/\(userID)", """
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}
            """, status: 200)
        XCTAssertEqual(try state(of: email), "Removed")
        XCTAssertEqual(try emails("driver removed", to: email), 1)
        XCTAssertEqual(try directoryAudits("Removed driver", email), 1)
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM domain_events WHERE kind = 'membership.removed' AND organization_id = \(p: 1)",
                                         [.init(organization)]), 1)
        // Reactivated: connected again.
        scim("PATCH", "/Users/\(userID)", """
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":true}]}
            """, status: 200)
        XCTAssertEqual(try state(of: email), "Connected")
        scim("DELETE", "/Users/\(userID)", status: 204)
        XCTAssertEqual(try state(of: email), "Removed", "a deleted user leaves the connection")
        scim("GET", "/Users/\(userID)", status: 404)
    }

    /// Entra's quirks: "Add"/"Replace"/"Remove" capitalized, `"active": "False"` as text, an email
    /// changed through `emails[type eq "work"].value`, members removed by value; the group mapped
    /// on the Directory sync page.
    func testEntraQuirksMappedGroupEmailChangeAndTextFalse() throws {
        let email = "sam.entra@example.org", renamed = "sam.renamed@example.org"
        let user = scim("POST", "/Users", """
            {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
             "externalId":"8c1f","userName":"\(email)","active":true,"displayName":"Sam Entra",
             "emails":[{"primary":true,"type":"work","value":"\(email)"}],"meta":{"resourceType":"User"},
             "name":{"formatted":"Sam Entra","familyName":"Entra","givenName":"Sam"},
             "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Fleet"}}
            """, status: 201)
        let userID = try XCTUnwrap(user["id"]?.string)
        let group = scim("POST", "/Groups", #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"externalId":"g1","displayName":"Fleet drivers","members":[]}"#,
                         status: 201)
        let groupID = try XCTUnwrap(group["id"]?.string)
        let mapped = try client.post("/directory", [("org", String(organization)), ("action", "map"), ("group", groupID), ("connection", String(connection.id))])
        XCTAssertEqual(mapped.status, 200, client.text(mapped))
        XCTAssertTrue(client.text(client.get("/directory?org=\(organization)")).contains("Fleet drivers"))
        scim("PATCH", "/Groups/\(groupID)", """
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[{"value":"\(userID)"}]}]}
            """, status: 204)
        XCTAssertEqual(try state(of: email), "Connected")

        let patched = scim("PATCH", "/Users/\(userID)", """
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
              {"op":"Replace","path":"emails[type eq \\"work\\"].value","value":"\(renamed)"},
              {"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"Logistics"}]}
            """, status: 200)
        XCTAssertEqual(patched["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]?["department"], .string("Logistics"))
        XCTAssertEqual(try state(of: renamed), "Connected", "the address followed to the driver")
        XCTAssertNil(try state(of: email))

        scim("PATCH", "/Users/\(userID)", """
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}
            """, status: 200)
        XCTAssertEqual(try state(of: renamed), "Removed")
        XCTAssertEqual(try directoryAudits("Removed driver", renamed), 1)
        scim("PATCH", "/Users/\(userID)", """
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"True"}]}
            """, status: 200)
        XCTAssertEqual(try state(of: renamed), "Connected")
        let etag = client.header(client.send("GET", "/scim/v2/Groups/\(groupID)", headers: ["authorization": "Bearer \(token)"], body: []), "ETag")
        XCTAssertNotNil(etag)
        scim("PATCH", "/Groups/\(groupID)", """
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Remove","path":"members","value":[{"value":"\(userID)"}]}]}
            """, headers: ["if-match": etag ?? ""], status: 204)
        XCTAssertEqual(try state(of: renamed), "Removed", "left the group: removed")
        scim("PATCH", "/Groups/\(groupID)", #"{"Operations":[{"op":"Remove","path":"members[value eq \"1\"]"}]}"#,
             headers: ["if-match": etag ?? ""], status: 412)
        let listed = scim("GET", "/Groups?excludedAttributes=members&filter=displayName%20eq%20%22fleet%20drivers%22", status: 200)
        XCTAssertEqual(listed["totalResults"], .int(1))
        XCTAssertNil(listed["Resources"]?.array?.first?["members"])
    }

    /// Bad input answers with a SCIM error body and the right status, never a 500.
    func testBadInputAnswersWithSCIMErrors() throws {
        let none = client.send("GET", "/scim/v2/Users", headers: [:], body: [])
        XCTAssertEqual(none.status, 401)
        XCTAssertEqual(client.header(none, "WWW-Authenticate"), "Bearer realm=\"SCIM\"")
        XCTAssertEqual((try JSON.parse(client.bytes(none)))["schemas"], .array([.string("urn:ietf:params:scim:api:messages:2.0:Error")]))
        scim("GET", "/Users", token: "scim_" + String(repeating: "x", count: 43), status: 401)
        XCTAssertEqual(scim("POST", "/Users", "not json", status: 400)["scimType"], .string("invalidSyntax"))
        XCTAssertEqual(scim("POST", "/Users", "[1,2]", status: 400)["scimType"], .string("invalidSyntax"))
        XCTAssertEqual(scim("POST", "/Users", #"{"displayName":"no userName"}"#, status: 400)["scimType"], .string("invalidValue"))
        XCTAssertEqual(scim("POST", "/Users", #"{"userName":"x@example.org","active":"maybe"}"#, status: 400)["scimType"], .string("invalidValue"))
        scim("POST", "/Users", #"{"userName":"dup@example.org"}"#, status: 201)
        XCTAssertEqual(scim("POST", "/Users", #"{"userName":"DUP@example.org"}"#, status: 409)["scimType"], .string("uniqueness"))
        XCTAssertEqual(scim("GET", "/Users?filter=name.givenName%20co%20%22a%22", status: 400)["scimType"], .string("invalidFilter"))
        scim("GET", "/Groups/999999", status: 404)
        scim("PATCH", "/Groups/999999", #"{"Operations":[{"op":"add","path":"members","value":[]}]}"#, status: 404)
        scim("GET", "/Groups/abc", status: 404)
        scim("GET", "/Nothing", status: 404)
        scim("DELETE", "/ServiceProviderConfig", status: 405)
        XCTAssertEqual(scim("PATCH", "/Users/1", #"{"Operations":[{"op":"move","path":"x"}]}"#, status: 400)["scimType"], .string("invalidSyntax"))
        XCTAssertEqual(scim("POST", "/Groups", #"{"displayName":"G","members":[{"value":"424242"}]}"#, status: 400)["scimType"], .string("invalidValue"))

        // A group of more members than one request may name: a clear refusal.
        let group = try XCTUnwrap(scim("POST", "/Groups", #"{"displayName":"Big"}"#, status: 201)["id"]?.string)
        let many = (1...(SCIMService.mostValuesPerRequest + 1)).map { #"{"value":"\#($0)"}"# }.joined(separator: ",")
        let refused = scim("PATCH", "/Groups/\(group)", #"{"Operations":[{"op":"add","path":"members","value":[\#(many)]}]}"#, status: 413)
        XCTAssertEqual(refused["scimType"], .string("tooMany"))

        // Another organization's token sees none of these: its ids answer as missing ones.
        let other = try client.scalar("SELECT min(org_id) FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.email = \(p: 1) AND r.role = 'Admin' AND org_id <> \(p: 2)",
                                      [.text(DemoData.adminEmail), .init(organization)])
        let otherToken = try makeToken(organization: other)
        scim("GET", "/Groups/\(group)", token: otherToken, status: 404)
        XCTAssertEqual(scim("GET", "/Users", token: otherToken, status: 200)["totalResults"], .int(0))
        // A revoked token stops at once.
        let tokenID = try client.scalar("SELECT max(id) FROM scim_tokens WHERE org_id = \(p: 1)", [.init(other)])
        XCTAssertEqual(try client.post("/directory", [("org", String(other)), ("action", "revoke"), ("token", String(tokenID))]).status, 200)
        scim("GET", "/Users", token: otherToken, status: 401)
    }

    func testDiscoveryDocuments() throws {
        let config = scim("GET", "/ServiceProviderConfig", status: 200)
        XCTAssertEqual(config["patch"]?["supported"], .bool(true))
        XCTAssertEqual(scim("GET", "/ResourceTypes", status: 200)["totalResults"], .int(2))
        XCTAssertEqual(scim("GET", "/Schemas", status: 200)["totalResults"], .int(3))
        XCTAssertEqual(scim("GET", "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User", status: 200)["name"], .string("User"))
    }

    /// Only an organization's Admins see its Directory sync page.
    func testDirectoryPageIsForAdmins() throws {
        client.signOut()
        try client.signIn(DemoData.viewerEmail)
        XCTAssertEqual(client.get("/directory").status, 403)
    }
}
