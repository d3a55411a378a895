import Domain

/// RFC 7644 §3.5.2 PATCH on a resource as JSON, with what Okta and Microsoft Entra really send:
/// op names in any case ("Replace"), a value object without a path, paths with a value filter
/// (`members[value eq "7"]`, `emails[type eq "work"].value`), a removal of `members` naming the
/// members in its value, and attribute names in any case. Booleans sent as text ("False") are
/// read by `SCIMResource.bool`.
struct SCIMPatch {
    enum Op: String { case add, replace, remove }

    struct Operation {
        let op: Op
        let path: Path?
        let value: JSON?
    }

    /// `attribute[sub eq "value"].subAttribute`, the attribute optionally under an extension's URN.
    struct Path {
        var container: String?
        var attribute: String
        var filter: (attribute: String, value: String)?
        var sub: String?
    }

    let operations: [Operation]

    static let patchSchema = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

    init(_ body: JSON) throws {
        guard let list = body["Operations"]?.array ?? body["operations"]?.array, !list.isEmpty else {
            throw SCIMError(400, "invalidSyntax", "A PATCH names its changes in \"Operations\" (RFC 7644 §3.5.2).")
        }
        operations = try list.map { item in
            guard let name = item["op"]?.string, let op = Op(rawValue: name.lowercased()) else {
                throw SCIMError(400, "invalidSyntax", "Each operation's \"op\" is add, replace or remove.")
            }
            let path = try item["path"]?.string.map(Self.parse)
            if op == .remove && path == nil { throw SCIMError(400, "noTarget", "A remove operation names its \"path\".") }
            if op != .remove && item["value"] == nil { throw SCIMError(400, "invalidValue", "An \(op.rawValue) operation carries a \"value\".") }
            return Operation(op: op, path: path, value: item["value"])
        }
    }

    /// The members an operation names in its value: what a request's bound counts.
    var valuesNamed: Int { operations.reduce(0) { $0 + ($1.value?.array?.count ?? 1) } }

    static func parse(_ text: String) throws -> Path {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        var container: String?
        // A whole extension (`urn:...:enterprise:2.0:User`) is one attribute of the resource.
        if let urn = SCIMResource.extensionSchemas.first(where: { $0.lowercased() == rest.lowercased() }) {
            return Path(container: nil, attribute: urn)
        }
        if rest.lowercased().hasPrefix("urn:") {
            // The attribute follows the URN's last colon (before any filter).
            let head = rest.firstIndex(of: "[").map { rest[..<$0] } ?? rest
            guard let colon = head.lastIndex(of: ":") else { throw SCIMError(400, "invalidPath", "The path \(text) cannot be read.") }
            let urn = String(rest[..<colon])
            container = SCIMResource.coreSchemas.contains(urn) ? nil : urn
            rest = rest[rest.index(after: colon)...]
        }
        var filter: (String, String)?
        var sub: String?
        if let open = rest.firstIndex(of: "[") {
            guard let close = rest.lastIndex(of: "]"), close > open else { throw SCIMError(400, "invalidPath", "The path \(text) cannot be read.") }
            filter = try SCIMFilter.equality(String(rest[rest.index(after: open)..<close]))
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(".") { sub = String(after.dropFirst()) } else if !after.isEmpty {
                throw SCIMError(400, "invalidPath", "The path \(text) cannot be read.")
            }
            rest = rest[..<open]
        } else if let dot = rest.firstIndex(of: ".") {
            sub = String(rest[rest.index(after: dot)...])
            rest = rest[..<dot]
        }
        guard !rest.isEmpty, rest.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "$" || $0 == "_" || $0 == "-" }) else {
            throw SCIMError(400, "invalidPath", "The path \(text) cannot be read.")
        }
        return Path(container: container, attribute: String(rest), filter: filter, sub: sub)
    }

    /// The resource with every operation applied in order; `immutable` attributes may not change.
    func applied(to resource: JSON) throws -> JSON {
        var object = resource
        for operation in operations {
            if let path = operation.path {
                object = try apply(operation.op, path, operation.value, to: object)
            } else {
                guard let members = operation.value?.members else {
                    throw SCIMError(400, "invalidValue", "An operation without a path carries an object of attributes.")
                }
                for (key, value) in members {
                    if key.lowercased().hasPrefix("urn:"), let inner = value.members, !SCIMResource.coreSchemas.contains(key) {
                        for (innerKey, innerValue) in inner {
                            object = try apply(operation.op, Path(container: key, attribute: innerKey), innerValue, to: object)
                        }
                    } else {
                        object = try apply(operation.op, try Self.parse(key), value, to: object)
                    }
                }
            }
        }
        return object
    }

    private func apply(_ op: Op, _ path: Path, _ value: JSON?, to resource: JSON) throws -> JSON {
        guard let container = path.container else { return try apply(op, path, value, inObject: resource) }
        let inner = SCIMResource.member(resource, container) ?? .object([])
        return SCIMResource.setting(resource, container, try apply(op, path, value, inObject: inner))
    }

    private func apply(_ op: Op, _ path: Path, _ value: JSON?, inObject object: JSON) throws -> JSON {
        let current = SCIMResource.member(object, path.attribute)
        if let filter = path.filter {
            var items = current?.array ?? []
            let matches = { (item: JSON) in
                SCIMResource.member(item, filter.attribute).map(SCIMResource.scalarText)?.lowercased() == filter.value.lowercased()
            }
            switch (op, path.sub) {
            case (.remove, nil):
                items.removeAll(where: matches)
            case (.remove, let sub?):
                items = items.map { matches($0) ? SCIMResource.removing($0, sub) : $0 }
            case (_, let sub?):
                if items.contains(where: matches) {
                    items = items.map { matches($0) ? SCIMResource.setting($0, sub, value ?? .null) : $0 }
                } else {
                    // Entra replaces `emails[type eq "work"].value` on a user without one: it is added.
                    items.append(.object([(filter.attribute, .string(filter.value)), (sub, value ?? .null)]))
                }
            case (_, nil):
                guard let replacement = value?.members else { throw SCIMError(400, "invalidValue", "A filtered path's value is an object.") }
                items = items.map { item in matches(item) ? replacement.reduce(item) { SCIMResource.setting($0, $1.0, $1.1) } : item }
            }
            return SCIMResource.setting(object, path.attribute, .array(items))
        }
        if let sub = path.sub {
            let inner = current ?? .object([])
            let changed = op == .remove ? SCIMResource.removing(inner, sub) : SCIMResource.setting(inner, sub, value ?? .null)
            return SCIMResource.setting(object, path.attribute, changed)
        }
        switch op {
        case .remove:
            // Entra removes members by naming them in the value of a `members` removal.
            if let named = value?.array, let items = current?.array {
                let keys = Set(named.compactMap { SCIMResource.member($0, "value").map(SCIMResource.scalarText) })
                return SCIMResource.setting(object, path.attribute, .array(items.filter {
                    !keys.contains(SCIMResource.member($0, "value").map(SCIMResource.scalarText) ?? "")
                }))
            }
            return SCIMResource.removing(object, path.attribute)
        case .add:
            // Adding to a multi-valued attribute appends; a value already there is not repeated.
            if let added = value?.array {
                var items = current?.array ?? []
                // By their text, in a set: a group of thousands takes a hundred more in linear time.
                var present = Set(items.map(\.text))
                for item in added where present.insert(item.text).inserted { items.append(item) }
                return SCIMResource.setting(object, path.attribute, .array(items))
            }
            if let current, let currentMembers = current.members, let addedMembers = value?.members {
                return SCIMResource.setting(object, path.attribute, addedMembers.reduce(JSON.object(currentMembers)) { SCIMResource.setting($0, $1.0, $1.1) })
            }
            return SCIMResource.setting(object, path.attribute, value ?? .null)
        case .replace:
            return SCIMResource.setting(object, path.attribute, value ?? .null)
        }
    }
}

/// The filters SCIM clients send to find a resource before creating it: `attribute eq "value"`.
enum SCIMFilter {
    static func equality(_ text: String) throws -> (attribute: String, value: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        guard parts.count == 3, parts[1].lowercased() == "eq" else {
            throw SCIMError(400, "invalidFilter", "Only filters of the form attribute eq \"value\" are answered.")
        }
        let raw = String(parts[2])
        let value: String
        if raw.hasPrefix("\""), raw.hasSuffix("\""), raw.count >= 2 {
            guard let parsed = try? JSON.parse(Array(raw.utf8)), let text = parsed.string else {
                throw SCIMError(400, "invalidFilter", "The filter's value cannot be read.")
            }
            value = text
        } else {
            value = raw
        }
        return (String(parts[0]), value)
    }
}
