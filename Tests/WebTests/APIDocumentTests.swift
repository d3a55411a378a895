import Domain
import FastCGI
import TestSupport
import XCTest
@testable import Web

/// The OpenAPI document is made from the route table's declarations: each API route's operation
/// with exactly the statuses it declares, and each body with exactly the members its decoder reads.
final class APIDocumentTests: APITestCase {
    func testEachAPIRouteIsOneOperationWithTheStatusesItDeclares() throws {
        let document = OpenAPIDocument.document
        var ids: Set<String> = []
        for route in ConsoleHandler.routes where Route.isAPI(route.path) {
            guard let operation = route.operation else { XCTFail("\(route.path) declares no operation"); continue }
            XCTAssertEqual(route.methods.count, 1, route.path)
            XCTAssertTrue(ids.insert(operation.id).inserted, "\(operation.id) is one operation's")
            let path = route.path.replacingOccurrences(of: ":Int}", with: "}")
            let documented = document["paths"]?[path]?[route.methods[0].lowercased()]
            XCTAssertEqual(documented?["operationId"]?.string, operation.id)
            let statuses = Set((documented?["responses"]?.members ?? []).map(\.0))
            let declared = Set(operation.answers.map(\.status) + operation.errors + APIOperation.anyRequestErrors).map(String.init)
            XCTAssertEqual(statuses, Set(declared), operation.id)
            XCTAssertEqual(documented?["requestBody"]?["content"]?["application/json"]?["schema"]?["$ref"]?.string,
                           operation.body.map { "#/components/schemas/\($0.schemaName)" }, operation.id)
            // Each declared type (body and answers) is the component of its name.
            for type in [operation.body as (any JSONSchemaDescribed.Type)?].compactMap({ $0 }) + operation.answers.compactMap({ $0.type }) {
                XCTAssertEqual(document["components"]?["schemas"]?[type.schemaName], type.schema, type.schemaName)
            }
            // Each `{name:Int}` of the path is a parameter of the operation.
            let pathParameters = (documented?["parameters"]?.array ?? []).filter { $0 == APIParameter.id.reference }
            XCTAssertEqual(pathParameters.count, route.path.components(separatedBy: ":Int}").count - 1, operation.id)
        }
        XCTAssertFalse(ids.isEmpty)
        XCTAssertNotNil(document["components"]?["schemas"]?["Decision"]?["oneOf"])
    }

    /// For every body: the schema's members are the declared fields, each field's reader reads it (a value of the wrong
    /// kind is refused naming it), what the schema requires is what the decoder cannot do without, and the served
    /// decoder, given a member it does not know, lists exactly the document's members.
    /// The names a query is checked against are the names the document gives (an attack found
    /// misspelt and repeated parameters ignored: `filters=` answered every row, `status=` Pending ones).
    func testUnknownAndRepeatedParametersAreRefusedByTheDocumentsNames() throws {
        for parameter in APIParameter.allCases where parameter != .id {
            XCTAssertEqual(parameter.declaration["name"]?.string, parameter.queryNames.first, "\(parameter)")
        }
        let client = try makeClient()
        let token = try client.token(for: DemoData.adminEmail)
        for (path, word) in [("/api/v1/connections?filters=name:contains:Guest", "filters"), ("/api/v1/connections?organization_id=1", "organization_id"),
                             ("/api/v1/memberships?status=Connected", "status"), ("/api/v1/audit?page=1&F=name", "F")] {
            let refused = client.api("GET", path, token: token)
            XCTAssertEqual(refused.status, 400, path)
            XCTAssertTrue(client.json(refused)["detail"]?.string?.hasPrefix("This operation takes no parameter “\(word)”") == true, client.text(refused))
        }
        for path in ["/api/v1/connections?org=1&org=2", "/api/v1/memberships?state=Pending&state=Connected", "/api/v1/connections?size=5&size=6"] {
            let refused = client.api("GET", path, token: token)
            XCTAssertEqual(refused.status, 400, path)
            XCTAssertTrue(client.json(refused)["detail"]?.string?.contains("is given more than once") == true, client.text(refused))
        }
        // Lists add up, and the table's own spelling of filters is taken.
        for path in ["/api/v1/connections?filter=name:contains:a&filter=status:is:Enabled&cols=name&cols=status",
                     "/api/v1/connections?f=name&op=contains&v=a&f=status&op=is&v=Enabled"] {
            XCTAssertEqual(client.api("GET", path, token: token).status, 200, path)
        }
    }

    func testEveryBodyDecodesExactlyTheMembersItsSchemaLists() throws {
        let bodies = ConsoleHandler.routes.compactMap { $0.operation?.body }
        XCTAssertEqual(Set(bodies.map { $0.schemaName }), ["ConnectionInput", "ConnectionChanges", "Rotation", "Decision", "WebhookInput", "WebhookResend", "MembershipExpiry"])
        for body in bodies { try checkFields(body) }

        let client = try makeClient()
        let token = try client.token(for: DemoData.adminEmail)
        let officerOrg = try client.scalar("SELECT min(org_id) FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.email = \(p: 1)",
                                           [.text(DemoData.officerEmail)])
        let x = try client.scalar("SELECT min(id) FROM connections WHERE org_id = \(p: 1)", [.init(officerOrg)])
        let served = client.json(client.api("GET", "/api/v1/openapi.json", token: nil))
        for route in ConsoleHandler.routes {
            guard let body = route.operation?.body else { continue }
            let target = route.path.replacingOccurrences(of: "{id:Int}", with: String(x))
            let answer = client.api(route.methods[0], target, token: token, json: ["not_a_member": true])
            XCTAssertEqual(answer.status, 400, target)
            let detail = client.json(answer)["detail"]?.string ?? ""
            guard let known = detail.components(separatedBy: "Known fields: ").last?.dropLast() else { XCTFail(detail); continue }
            let schema = served["components"]?["schemas"]?[body.schemaName]
            let variants = schema?["oneOf"]?.array ?? [schema ?? .null]
            let documented = Set(variants.flatMap { ($0["properties"]?.members ?? []).map(\.0) })
            XCTAssertEqual(Set(known.components(separatedBy: ", ")), documented, "\(route.path): \(detail)")
        }
    }

    /// A connection's fields are one list: what creating takes (less `version`), what changing takes (less
    /// `organization_id`), and what the answer writes (besides its id and row).
    func testAConnectionsFieldsAreTheSameInTheBodiesAndTheAnswer() {
        let all = Set(ConnectionField.allCases.map(\.rawValue))
        XCTAssertEqual(Set(ConnectionInput.fields.map(\.name)), all.subtracting([ConnectionField.version.rawValue]))
        XCTAssertEqual(Set(ConnectionChanges.fields.map(\.name)), all.subtracting([ConnectionField.organization.rawValue]))
        XCTAssertEqual(Set(ConnectionAnswer.members.map(\.name)), all.union(["id", "row"]))
        XCTAssertEqual(ConnectionField.apiName(formName: "domains"), "email_domains")
    }

    func checkFields<Body: JSONBody>(_ type: Body.Type) throws {
        let schema = Body.schema
        let variants = schema["oneOf"]?.array ?? [schema]
        let properties = Set(variants.flatMap { ($0["properties"]?.members ?? []).map(\.0) })
        XCTAssertEqual(properties, Set(Body.fields.map(\.name)), Body.schemaName)
        let required = variants.map { Set(($0["required"]?.array ?? []).compactMap(\.string)) }.reduce(properties) { $0.intersection($1) }
        for field in Body.fields {
            var value = Body()
            XCTAssertThrowsError(try field.read(.object([]), &value), "\(Body.schemaName).\(field.name)") { error in
                XCTAssertTrue("\(error)".contains("“\(field.name)”"), "\(Body.schemaName).\(field.name): \(error)")
            }
            XCTAssertEqual(required.contains(field.name), field.isRequired, "\(Body.schemaName).\(field.name) required")
            if case .refused = field.absence { XCTAssertThrowsError(try Body.decode(.object([])), Body.schemaName) }
        }
    }
}
