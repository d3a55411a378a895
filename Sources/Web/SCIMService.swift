import Domain
import FastCGI
import Storage

/// The SCIM 2.0 service provider (RFC 7643, 7644) at /scim/v2: an organization's identity
/// provider, authenticated by a SCIM token made on the Directory sync page, reads and writes its
/// users and groups; each write is a Domain command run as `Access.directory(of:)`. Failures are
/// SCIM error bodies; another organization's resources answer as missing ones.
struct SCIMService {
    let handler: ConsoleHandler
    let request: Request

    static let prefix = "/scim/v2"
    static let contentType = "application/scim+json"
    /// Members one request may name (a PATCH's values, a POST's or PUT's member list): Okta and
    /// Entra send hundreds at most; more is refused with a clear error, not a long transaction.
    static let mostValuesPerRequest = 1_000
    static let defaultCount = 100
    static let mostCount = 1_000
    /// A request of up to `mostValuesPerRequest` members, each a small object.
    static let limits = JSON.Limits(membersPerObject: 200, values: 4 * mostValuesPerRequest + 1_000)

    var database: Database { handler.database }

    func respond(resource: String, id: String?) -> Response {
        do {
            return try answer(resource: resource, id: id)
        } catch {
            return Self.failure(error, request: request)
        }
    }

    private func answer(resource: String, id: String?) throws -> Response {
        let organization = try authenticated()
        let method = request.method == "HEAD" ? "GET" : request.method
        switch (resource, id, method) {
        case ("ServiceProviderConfig", nil, "GET"): return Self.json(SCIMDiscovery.serviceProviderConfig(base: base))
        case ("ResourceTypes", nil, "GET"): return Self.json(SCIMDiscovery.list(SCIMDiscovery.resourceTypes(base: base)))
        case ("ResourceTypes", let name?, "GET"):
            guard let found = SCIMDiscovery.resourceTypes(base: base).first(where: { SCIMResource.member($0, "id")?.string == name }) else {
                throw SCIMError(404, nil, "There is no resource type \(name).")
            }
            return Self.json(found)
        case ("Schemas", nil, "GET"): return Self.json(SCIMDiscovery.list(SCIMDiscovery.schemas(base: base)))
        case ("Schemas", let name?, "GET"):
            guard let found = SCIMDiscovery.schemas(base: base).first(where: { SCIMResource.member($0, "id")?.string == name }) else {
                throw SCIMError(404, nil, "There is no schema \(name).")
            }
            return Self.json(found)
        case ("Users", ".search", "POST"), ("Groups", ".search", "POST"), (".search", nil, "POST"):
            return try search(organization, resource: id == nil ? nil : resource)
        case ("Users", nil, "GET"): return try listUsers(Directory(database: database, organization: organization))
        case ("Users", nil, "POST"): return try saveUser(organization, id: nil)
        case ("Users", let id?, "GET"): return try showUser(organization, try number(id, "user"))
        case ("Users", let id?, "PUT"): return try saveUser(organization, id: try number(id, "user"))
        case ("Users", let id?, "PATCH"): return try patchUser(organization, try number(id, "user"))
        case ("Users", let id?, "DELETE"):
            try DeleteDirectoryUser(organization: organization, id: try number(id, "user")).run(by: .directory(of: organization), in: database)
            return Response(status: 204)
        case ("Groups", nil, "GET"): return try listGroups(Directory(database: database, organization: organization))
        case ("Groups", nil, "POST"): return try saveGroup(organization, id: nil)
        case ("Groups", let id?, "GET"): return try showGroup(organization, try number(id, "group"))
        case ("Groups", let id?, "PUT"): return try saveGroup(organization, id: try number(id, "group"))
        case ("Groups", let id?, "PATCH"): return try patchGroup(organization, try number(id, "group"))
        case ("Groups", let id?, "DELETE"):
            try DeleteDirectoryGroup(organization: organization, id: try number(id, "group")).run(by: .directory(of: organization), in: database)
            return Response(status: 204)
        case ("ServiceProviderConfig", _, _), ("ResourceTypes", _, _), ("Schemas", _, _), ("Users", _, _), ("Groups", _, _), (".search", _, _):
            throw SCIMError(405, nil, "\(request.method) is not answered at \(request.path.prefix(200)).")
        default:
            throw SCIMError(404, nil, "There is no SCIM resource at \(request.path.prefix(200)).")
        }
    }

    /// The organization of the bearer token; 401 with a challenge otherwise.
    private func authenticated() throws -> Int {
        guard let token = APICall.bearerToken(request), let organization = try DirectoryTokens(database: database).organization(token: token) else {
            throw SCIMError(401, nil, "A SCIM token is needed (Authorization: Bearer scim_…): make one on the Directory sync page.")
        }
        return organization
    }

    /// Where resources live, for `meta.location` and `$ref`: the installation's public address.
    private var base: String { handler.configuration.publicBaseURL + Self.prefix }

    private func number(_ text: String, _ kind: String) throws -> Int {
        guard let id = RequestNumber.parse(text, in: RequestNumber.ids) else { throw SCIMError(404, nil, "There is no \(kind) \(text.prefix(60)).") }
        return id
    }

    private func body() throws -> JSON {
        guard !request.body.isEmpty else { throw SCIMError(400, "invalidSyntax", "The request has no body: send a SCIM resource in JSON.") }
        do { return try JSON.parse(request.body, limits: Self.limits) } catch {
            throw SCIMError(400, "invalidSyntax", error.message)
        }
    }

    /// `If-Match: W/"3"`: the version the client read, or nil (none, or `*`).
    private var expectedVersion: Int? {
        guard let header = request.headers["if-match"], header != "*" else { return nil }
        let digits = header.filter(\.isNumber)
        return RequestNumber.parse(digits, in: 1...Int(Int32.max)) ?? 0
    }

    /// A list's parameters: from the query, or from a POST .search body (RFC 7644 §3.4.3).
    private var searchBody: JSON? {
        request.method == "POST" ? try? JSON.parse(request.body, limits: Self.limits) : nil
    }

    private func parameter(_ name: String) -> String? {
        if let body = searchBody {
            return SCIMResource.member(body, name).map { value in value.array.map { $0.map(SCIMResource.scalarText).joined(separator: ",") }
                                                                  ?? SCIMResource.scalarText(value) }
        }
        return request.queryValue(name)
    }

    private func paging() throws -> (offset: Int, count: Int) {
        let start = parameter("startIndex").map { RequestNumber.parse($0, in: 1...Int(Int32.max)) ?? 1 } ?? 1
        let count = parameter("count").map { RequestNumber.parse($0, in: 0...Int(Int32.max)).map { min($0, Self.mostCount) } ?? 0 }
            ?? Self.defaultCount
        return (start - 1, count)
    }

    /// POST .search: the same lists, their parameters in the body. Across resource types (at the
    /// root) it is not offered: 501, as RFC 7644 §3.12 says for what a service does not support.
    private func search(_ organization: Int, resource: String?) throws -> Response {
        let directory = Directory(database: database, organization: organization)
        switch resource {
        case "Users": return try listUsers(directory)
        case "Groups": return try listGroups(directory)
        default: throw SCIMError(501, nil, "Search Users or Groups (/Users/.search, /Groups/.search); one search across both is not offered.")
        }
    }

    private func filter<Attribute: RawRepresentable<String>>(_ type: Attribute.Type, _ all: [Attribute]) throws -> (Attribute, String)? {
        guard let text = parameter("filter"), !text.isEmpty else { return nil }
        let (name, value) = try SCIMFilter.equality(text)
        guard let attribute = all.first(where: { $0.rawValue.lowercased() == name.lowercased() }) else {
            throw SCIMError(400, "invalidFilter", "Filters compare \(all.map(\.rawValue).joined(separator: ", ")) with eq.")
        }
        return (attribute, value)
    }

    private func listed(_ resources: [JSON], total: Int, offset: Int) -> Response {
        let projected = resources.map { SCIMResource.projected($0, attributes: parameter("attributes"), excluded: parameter("excludedAttributes")) }
        return Self.json(.object([("schemas", .array([.string("urn:ietf:params:scim:api:messages:2.0:ListResponse")])),
                                  ("totalResults", .int(total)), ("startIndex", .int(offset + 1)), ("itemsPerPage", .int(projected.count)),
                                  ("Resources", .array(projected))]))
    }

    private func single(_ resource: JSON, version: Int, status: Int = 200, location: String? = nil) -> Response {
        var headers = [("ETag", SCIMResource.etag(version))]
        if let location { headers.append(("Location", location)) }
        return Self.json(SCIMResource.projected(resource, attributes: request.queryValue("attributes"), excluded: request.queryValue("excludedAttributes")),
                         status: status, headers: headers)
    }

    // MARK: users

    private func listUsers(_ directory: Directory) throws -> Response {
        let (offset, count) = try paging()
        let (total, users) = try directory.users(matching: try filter(Directory.UserAttribute.self, [.userName, .externalId]), offset: offset, limit: count)
        return listed(users.map { SCIMResource.json($0, base: base) }, total: total, offset: offset)
    }

    private func showUser(_ organization: Int, _ id: Int) throws -> Response {
        guard let user = try Directory(database: database, organization: organization).user(id) else { throw SCIMError(404, nil, "There is no user \(id).") }
        return single(SCIMResource.json(user, base: base), version: user.version)
    }

    private func saveUser(_ organization: Int, id: Int?) throws -> Response {
        let user = try SCIMResource.user(from: try body())
        return try store(user, organization: organization, id: id)
    }

    private func patchUser(_ organization: Int, _ id: Int) throws -> Response {
        let patch = try SCIMPatch(try body())
        let directory = Directory(database: database, organization: organization)
        guard let stored = try directory.user(id) else { throw SCIMError(404, nil, "There is no user \(id).") }
        if let expected = expectedVersion, expected != stored.version { throw Self.stale }
        let changed = try patch.applied(to: SCIMResource.json(stored, base: base))
        return try store(try SCIMResource.user(from: changed), organization: organization, id: id, version: stored.version)
    }

    private func store(_ user: DirectoryUser, organization: Int, id: Int?, version: Int? = nil) throws -> Response {
        let saved = try SaveDirectoryUser(organization: organization, id: id, user, expectedVersion: version ?? expectedVersion)
            .run(by: .directory(of: organization), in: database)
        guard let stored = try Directory(database: database, organization: organization).user(saved) else { throw SCIMError(404, nil, "There is no user \(saved).") }
        let json = SCIMResource.json(stored, base: base)
        return single(json, version: stored.version, status: id == nil ? 201 : 200, location: id == nil ? "\(base)/Users/\(saved)" : nil)
    }

    // MARK: groups

    private func listGroups(_ directory: Directory) throws -> Response {
        let (offset, count) = try paging()
        let withMembers = !(parameter("excludedAttributes") ?? "").lowercased().contains("members")
        let (total, groups) = try directory.groups(matching: try filter(Directory.GroupAttribute.self, [.displayName, .externalId]),
                                                   offset: offset, limit: count, withMembers: withMembers)
        return listed(groups.map { SCIMResource.json($0, base: base, withMembers: withMembers) }, total: total, offset: offset)
    }

    private func showGroup(_ organization: Int, _ id: Int) throws -> Response {
        guard let group = try Directory(database: database, organization: organization).group(id) else { throw SCIMError(404, nil, "There is no group \(id).") }
        return single(SCIMResource.json(group, base: base), version: group.version)
    }

    private func saveGroup(_ organization: Int, id: Int?) throws -> Response {
        let body = try body()
        try bounded(SCIMResource.member(body, "members")?.array?.count ?? 0)
        return try store(try SCIMResource.group(from: body), organization: organization, id: id)
    }

    private func patchGroup(_ organization: Int, _ id: Int) throws -> Response {
        let patch = try SCIMPatch(try body())
        try bounded(patch.valuesNamed)
        let directory = Directory(database: database, organization: organization)
        guard let stored = try directory.group(id) else { throw SCIMError(404, nil, "There is no group \(id).") }
        if let expected = expectedVersion, expected != stored.version { throw Self.stale }
        let changed = try patch.applied(to: SCIMResource.json(stored, base: base))
        _ = try SaveDirectoryGroup(organization: organization, id: id, try SCIMResource.group(from: changed), expectedVersion: stored.version)
            .run(by: .directory(of: organization), in: database)
        // 204 with the new version (RFC 7644 §3.5.2 allows it): a group of thousands is not sent back for each hundred added.
        return Response(status: 204, headers: [("ETag", SCIMResource.etag(stored.version + 1)), ("Cache-Control", "no-store")], body: .bytes([]))
    }

    private func bounded(_ named: Int) throws {
        guard named <= Self.mostValuesPerRequest else {
            throw SCIMError(413, "tooMany", "One request may name at most \(Self.mostValuesPerRequest) members; this one names \(named). "
                            + "Send them in several requests.")
        }
    }

    private func store(_ group: DirectoryGroup, organization: Int, id: Int?, version: Int? = nil) throws -> Response {
        let saved = try SaveDirectoryGroup(organization: organization, id: id, group, expectedVersion: version ?? expectedVersion)
            .run(by: .directory(of: organization), in: database)
        guard let stored = try Directory(database: database, organization: organization).group(saved) else { throw SCIMError(404, nil, "There is no group \(saved).") }
        return single(SCIMResource.json(stored, base: base), version: stored.version, status: id == nil ? 201 : 200,
                      location: id == nil ? "\(base)/Groups/\(saved)" : nil)
    }

    // MARK: answers

    static let stale = SCIMError(412, nil, "The resource changed since it was read (If-Match): read it again.")

    static func json(_ value: JSON, status: Int = 200, headers: [(String, String)] = []) -> Response {
        Response(status: status, headers: [("Content-Type", contentType), ("Cache-Control", "no-store")] + headers, body: .bytes(value.bytes))
    }

    /// Every failure under /scim/ as a SCIM error body, with the status `ErrorPresentation` gives
    /// the app's own errors (a unique userName is 409 "uniqueness", a stale version 412).
    static func failure(_ error: Error, request: Request) -> Response {
        let scim: SCIMError
        switch error {
        case let error as SCIMError: scim = error
        case is DirectoryVersionMismatch: scim = stale
        case UserError.conflict(let message): scim = SCIMError(409, "uniqueness", message)
        case UserError.badRequest(let message): scim = SCIMError(400, "invalidValue", message)
        default:
            let presented = ErrorPresentation(error, request: request)
            scim = SCIMError(presented.status, nil, presented.message)
        }
        var headers: [(String, String)] = []
        if scim.status == 401 { headers.append(("WWW-Authenticate", "Bearer realm=\"SCIM\"")) }
        if case UserError.tooManyRequests(_, let seconds) = error { headers.append(("Retry-After", String(seconds))) }
        return json(scim.json, status: scim.status, headers: headers)
    }
}
