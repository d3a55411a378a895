import Domain
import FastCGI

/// A SCIM failure as RFC 7644 §3.12 spells it: status, scimType, detail.
struct SCIMError: Error {
    let status: Int
    let scimType: String?
    let detail: String

    init(_ status: Int, _ scimType: String?, _ detail: String) {
        self.status = status
        self.scimType = scimType
        self.detail = detail
    }

    var json: JSON {
        var members: [(String, JSON)] = [("schemas", .array([.string("urn:ietf:params:scim:api:messages:2.0:Error")])),
                                         ("status", .string(String(status)))]
        if let scimType { members.append(("scimType", .string(scimType))) }
        members.append(("detail", .string(detail)))
        return .object(members)
    }
}

/// Users and groups as SCIM JSON (RFC 7643): what the directory sends read into Domain's
/// `DirectoryUser` and `DirectoryGroup`, and what is stored written back with `id` and `meta`.
/// Attribute names are compared without case, as the RFC asks.
enum SCIMResource {
    static let userSchema = "urn:ietf:params:scim:schemas:core:2.0:User"
    static let groupSchema = "urn:ietf:params:scim:schemas:core:2.0:Group"
    static let enterpriseSchema = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    static let coreSchemas: Set<String> = [userSchema, groupSchema]
    static let extensionSchemas = [enterpriseSchema]
    /// Written by the service, never taken from a request.
    static let readOnly: Set<String> = ["id", "meta", "groups", "password"]

    // MARK: JSON objects, by attribute names in any case

    static func member(_ object: JSON, _ name: String) -> JSON? {
        let key = name.lowercased()
        return object.members?.first { $0.0.lowercased() == key }?.1
    }

    static func setting(_ object: JSON, _ name: String, _ value: JSON) -> JSON {
        var members = object.members ?? []
        let key = name.lowercased()
        if let index = members.firstIndex(where: { $0.0.lowercased() == key }) { members[index].1 = value } else { members.append((name, value)) }
        return .object(members)
    }

    static func removing(_ object: JSON, _ name: String) -> JSON {
        let key = name.lowercased()
        return .object((object.members ?? []).filter { $0.0.lowercased() != key })
    }

    static func scalarText(_ value: JSON) -> String {
        switch value {
        case .string(let text): return text
        case .int(let number): return String(number)
        case .bool(let flag): return flag ? "true" : "false"
        default: return value.text
        }
    }

    /// A boolean, or Entra's "True"/"False" as text.
    static func bool(_ value: JSON?, _ name: String) throws -> Bool? {
        switch value {
        case nil, .null?: return nil
        case .bool(let flag)?: return flag
        case .string(let text)? where ["true", "false"].contains(text.lowercased()): return text.lowercased() == "true"
        default: throw SCIMError(400, "invalidValue", "\(name) is true or false.")
        }
    }

    static func text(_ value: JSON?, _ name: String) throws -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let text)?: return text
        default: throw SCIMError(400, "invalidValue", "\(name) is a string.")
        }
    }

    // MARK: users

    /// A request's user: its typed attributes and the resource to keep (read-only ones dropped,
    /// `active` stored as a boolean).
    static func user(from body: JSON) throws -> DirectoryUser {
        guard body.members != nil else { throw SCIMError(400, "invalidSyntax", "A SCIM user is a JSON object.") }
        guard let userName = try text(member(body, "userName"), "userName"), !userName.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw SCIMError(400, "invalidValue", "userName is required.")
        }
        // Absent, a user is active; sent as text ("False"), it is kept as the boolean it means.
        let sent = try bool(member(body, "active"), "active")
        var resource = JSON.object((body.members ?? []).filter { !readOnly.contains($0.0.lowercased()) })
        resource = sent.map { setting(resource, "active", .bool($0)) } ?? removing(resource, "active")
        let emails = member(body, "emails")?.array ?? []
        let primary = emails.first { (try? bool(member($0, "primary"), "primary")) == true } ?? emails.first
        var email = try primary.flatMap { try text(member($0, "value"), "emails.value") }
        if email == nil, userName.contains("@") { email = userName }
        let name = member(body, "name")
        let given = try name.flatMap { try text(member($0, "givenName"), "name.givenName") }
        let family = try name.flatMap { try text(member($0, "familyName"), "name.familyName") }
        let displayName = try text(member(body, "displayName"), "displayName")
            ?? name.flatMap { try? text(member($0, "formatted"), "name.formatted") }
            ?? [given, family].compactMap { $0 }.joined(separator: " ")
        return DirectoryUser(userName: userName, externalID: try text(member(body, "externalId"), "externalId"), active: sent ?? true,
                             email: email, displayName: displayName.isEmpty ? userName : displayName, resource: resource)
    }

    static func json(_ stored: StoredDirectoryUser, base: String) -> JSON {
        var resource = stored.user.resource
        resource = setting(resource, "id", .string(String(stored.id)))
        resource = setting(resource, "userName", .string(stored.user.userName))
        // The schemas named are those the resource holds: the enterprise extension's only with its attributes.
        let extended = !(member(resource, enterpriseSchema)?.members ?? []).isEmpty
        if !extended { resource = removing(resource, enterpriseSchema) }
        resource = setting(resource, "schemas", .array([.string(userSchema)] + (extended ? [.string(enterpriseSchema)] : [])))
        if !stored.groups.isEmpty {
            resource = setting(resource, "groups", .array(stored.groups.map {
                .object([("value", .string(String($0.id))), ("display", .string($0.name)), ("$ref", .string("\(base)/Groups/\($0.id)"))])
            }))
        }
        return setting(resource, "meta", meta("User", id: stored.id, version: stored.version, created: stored.createdAt,
                                               updated: stored.updatedAt, base: base + "/Users"))
    }

    // MARK: groups

    static func group(from body: JSON) throws -> DirectoryGroup {
        guard body.members != nil else { throw SCIMError(400, "invalidSyntax", "A SCIM group is a JSON object.") }
        guard let name = try text(member(body, "displayName"), "displayName"), !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw SCIMError(400, "invalidValue", "displayName is required.")
        }
        let members = try (member(body, "members")?.array ?? []).map { item -> Int in
            guard let value = member(item, "value").map(scalarText), let id = RequestNumber.parse(value, in: RequestNumber.ids) else {
                throw SCIMError(400, "invalidValue", "Each member's value is the id of a user of this directory.")
            }
            return id
        }
        return DirectoryGroup(displayName: name, externalID: try text(member(body, "externalId"), "externalId"), memberIDs: members)
    }

    static func json(_ stored: StoredDirectoryGroup, base: String, withMembers: Bool = true) -> JSON {
        var members: [(String, JSON)] = [("schemas", .array([.string(groupSchema)])), ("id", .string(String(stored.id))),
                                         ("displayName", .string(stored.displayName))]
        if let external = stored.externalID { members.append(("externalId", .string(external))) }
        if withMembers {
            members.append(("members", .array(stored.members.map {
                // As a client sends them (scim2-tester compares what it sent): no display.
                .object([("value", .string(String($0.id))), ("$ref", .string("\(base)/Users/\($0.id)")), ("type", .string("User"))])
            })))
        }
        members.append(("meta", meta("Group", id: stored.id, version: stored.version, created: stored.createdAt, updated: stored.updatedAt,
                                     base: base + "/Groups")))
        return .object(members)
    }

    static func etag(_ version: Int) -> String { "W/\"\(version)\"" }

    private static func meta(_ type: String, id: Int, version: Int, created: String, updated: String, base: String) -> JSON {
        .object([("resourceType", .string(type)), ("created", .string(created)), ("lastModified", .string(updated)),
                 ("location", .string("\(base)/\(id)")), ("version", .string(etag(version)))])
    }

    /// `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5) on top-level attributes; id and
    /// schemas are always returned.
    static func projected(_ resource: JSON, attributes: String?, excluded: String?) -> JSON {
        let names = { (list: String) in Set(list.split(separator: ",").map { $0.split(separator: ".").first.map(String.init)?.lowercased() ?? "" }) }
        guard let members = resource.members else { return resource }
        if let attributes, !attributes.isEmpty {
            let keep = names(attributes).union(["id", "schemas", "meta"])
            return .object(members.filter { keep.contains($0.0.lowercased()) })
        }
        if let excluded, !excluded.isEmpty {
            let drop = names(excluded).subtracting(["id", "schemas"])
            return .object(members.filter { !drop.contains($0.0.lowercased()) })
        }
        return resource
    }
}
