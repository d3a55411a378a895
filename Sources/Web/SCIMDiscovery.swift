import Domain

/// What a SCIM client reads first (RFC 7644 §4): the service's features, its resource types and
/// the schemas of users and groups. The README says where these live; the OpenAPI document covers /api/v1 only.
enum SCIMDiscovery {
    static func serviceProviderConfig(base: String) -> JSON {
        let off: JSON = .object([("supported", .bool(false))])
        return .object([
            ("schemas", .array([.string("urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig")])),
            ("documentationUri", .string("https://github.com/connections/connections#directory-sync-and-single-sign-on")),
            ("patch", .object([("supported", .bool(true))])),
            ("bulk", .object([("supported", .bool(false)), ("maxOperations", .int(0)), ("maxPayloadSize", .int(1 << 20))])),
            ("filter", .object([("supported", .bool(true)), ("maxResults", .int(SCIMService.mostCount))])),
            ("changePassword", off), ("sort", off), ("etag", .object([("supported", .bool(true))])),
            ("authenticationSchemes", .array([.object([
                ("type", .string("oauthbearertoken")), ("name", .string("SCIM token")),
                ("description", .string("A bearer token made by an Admin on the Directory sync page.")), ("primary", .bool(true)),
            ])])),
            ("meta", .object([("resourceType", .string("ServiceProviderConfig")), ("location", .string(base + "/ServiceProviderConfig"))])),
        ])
    }

    static func list(_ resources: [JSON]) -> JSON {
        .object([("schemas", .array([.string("urn:ietf:params:scim:api:messages:2.0:ListResponse")])), ("totalResults", .int(resources.count)),
                 ("startIndex", .int(1)), ("itemsPerPage", .int(resources.count)), ("Resources", .array(resources))])
    }

    static func resourceTypes(base: String) -> [JSON] {
        [resourceType("User", endpoint: "/Users", schema: SCIMResource.userSchema, extensions: [SCIMResource.enterpriseSchema], base: base),
         resourceType("Group", endpoint: "/Groups", schema: SCIMResource.groupSchema, extensions: [], base: base)]
    }

    private static func resourceType(_ name: String, endpoint: String, schema: String, extensions: [String], base: String) -> JSON {
        .object([("schemas", .array([.string("urn:ietf:params:scim:schemas:core:2.0:ResourceType")])), ("id", .string(name)),
                 ("name", .string(name)), ("endpoint", .string(endpoint)), ("description", .string(name)), ("schema", .string(schema)),
                 ("schemaExtensions", .array(extensions.map { .object([("schema", .string($0)), ("required", .bool(false))]) })),
                 ("meta", .object([("resourceType", .string("ResourceType")), ("location", .string(base + "/ResourceTypes/" + name))]))])
    }

    static func schemas(base: String) -> [JSON] {
        let text = { (name: String) in attribute(name, "string") }
        let multi = { (name: String, subs: [JSON]) in attribute(name, "complex", multiValued: true, subAttributes: subs) }
        let typed = [attribute("value", "string"), text("display"), text("type"), attribute("primary", "boolean")]
        let user: [JSON] = [
            attribute("userName", "string", required: true, uniqueness: "server"),
            attribute("name", "complex", subAttributes: ["formatted", "familyName", "givenName", "middleName", "honorificPrefix",
                                                          "honorificSuffix"].map(text)),
            text("displayName"), text("nickName"), attribute("profileUrl", "reference", referenceTypes: ["external"]), text("title"),
            text("userType"), text("preferredLanguage"), text("locale"), text("timezone"), attribute("active", "boolean"),
            multi("emails", typed), multi("phoneNumbers", typed), multi("ims", typed), multi("photos", typed),
            multi("addresses", ["formatted", "streetAddress", "locality", "region", "postalCode", "country", "type"].map(text)
                  + [attribute("primary", "boolean")]),
            attribute("groups", "complex", multiValued: true, mutability: "readOnly",
                      subAttributes: [attribute("value", "string", mutability: "readOnly"), attribute("display", "string", mutability: "readOnly"),
                                      attribute("$ref", "reference", mutability: "readOnly", referenceTypes: ["Group"])]),
            multi("entitlements", typed), multi("roles", typed),
        ]
        let enterprise: [JSON] = ["employeeNumber", "costCenter", "organization", "division", "department"].map(text)
            + [attribute("manager", "complex", subAttributes: [text("value"), text("displayName")])]
        let group: [JSON] = [
            attribute("displayName", "string", required: true),
            attribute("members", "complex", multiValued: true,
                      subAttributes: [attribute("value", "string", mutability: "immutable"), attribute("display", "string", mutability: "readOnly"),
                                      attribute("$ref", "reference", mutability: "immutable", referenceTypes: ["User"]),
                                      attribute("type", "string", mutability: "immutable", canonical: ["User"])]),
        ]
        return [schema(SCIMResource.userSchema, "User", user, base: base), schema(SCIMResource.enterpriseSchema, "EnterpriseUser", enterprise, base: base),
                schema(SCIMResource.groupSchema, "Group", group, base: base)]
    }

    private static func schema(_ id: String, _ name: String, _ attributes: [JSON], base: String) -> JSON {
        .object([("schemas", .array([.string("urn:ietf:params:scim:schemas:core:2.0:Schema")])), ("id", .string(id)), ("name", .string(name)),
                 ("description", .string(name)), ("attributes", .array(attributes)),
                 ("meta", .object([("resourceType", .string("Schema")), ("location", .string(base + "/Schemas/" + id))]))])
    }

    private static func attribute(_ name: String, _ type: String, multiValued: Bool = false, required: Bool = false, mutability: String = "readWrite",
                                  uniqueness: String = "none", subAttributes: [JSON] = [], referenceTypes: [String] = [],
                                  canonical: [String] = []) -> JSON {
        var members: [(String, JSON)] = [("name", .string(name)), ("type", .string(type)), ("multiValued", .bool(multiValued)),
                                         ("description", .string(name)), ("required", .bool(required)), ("caseExact", .bool(false)),
                                         ("mutability", .string(mutability)), ("returned", .string("default")), ("uniqueness", .string(uniqueness))]
        if !subAttributes.isEmpty { members.append(("subAttributes", .array(subAttributes))) }
        if !referenceTypes.isEmpty { members.append(("referenceTypes", .array(referenceTypes.map(JSON.string)))) }
        if !canonical.isEmpty { members.append(("canonicalValues", .array(canonical.map(JSON.string)))) }
        return .object(members)
    }
}
