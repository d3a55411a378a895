import Domain

/// A type that describes itself as JSON Schema: the OpenAPI document shows this schema as the
/// component `schemaName`.
protocol JSONSchemaDescribed: Sendable {
    static var schemaName: String { get }
    static var schema: JSON { get }
    /// The described types its schema refers to, which the document lists beside it.
    static var parts: [any JSONSchemaDescribed.Type] { get }
}

extension JSONSchemaDescribed {
    static var schemaReference: JSON { OpenAPIDocument.ref(schemaName) }
    static var parts: [any JSONSchemaDescribed.Type] { [] }
}

/// A request body: a JSON object whose members are declared once, each with its schema and how it
/// is read, so that the document lists exactly the members the decoder reads. Members it does not
/// declare are refused by name, so a misspelt one is not silently ignored.
protocol JSONBody: JSONSchemaDescribed {
    /// The value before any member is read.
    init()
    static var fields: [JSONField<Self>] { get }
    /// Rules across members that the schema states (`allOf`), beside `check`, which enforces them.
    static var rules: [JSON] { get }
    /// Checks across members, once each has been read.
    func check() throws
}

extension JSONBody {
    static var rules: [JSON] { [] }

    func check() throws {}

    static var schema: JSON {
        var schema: [(String, JSON)] = [
            ("type", "object"), ("additionalProperties", false),
            ("required", .array(fields.filter(\.isRequired).map { .string($0.name) })),
            ("properties", .object(fields.map { ($0.name, $0.schema) })),
        ]
        if !rules.isEmpty { schema.append(("allOf", .array(rules))) }
        return .object(schema)
    }

    /// The body's members read in the order declared; the first problem is a 400 naming the member.
    static func decode(_ body: JSON) throws -> Self {
        let members = body.members ?? []
        let known = fields.map(\.name)
        if let unknown = members.first(where: { !known.contains($0.0) }) {
            throw UserError.badRequest("“\(unknown.0.prefix(60))” is not a field here. Known fields: \(known.sorted().joined(separator: ", ")).")
        }
        var value = Self()
        for field in fields {
            if let member = body[field.name] {
                try field.read(member, &value)
            } else if case .refused(let error) = field.absence {
                throw error
            }
        }
        try value.check()
        return value
    }
}

/// One member of a body: its name, its schema, whether it may be left out, and how it is read.
struct JSONField<Body> {
    /// What leaving the member out means.
    enum Absence {
        /// Nothing: the value stays as it is.
        case allowed
        /// The body is refused with this error.
        case refused(any Error)
        /// Required by the document; the domain's checks answer its absence (with the console form's message).
        case checkedLater
    }

    let name: String
    let schema: JSON
    var absence: Absence = .allowed
    let read: (JSON, inout Body) throws -> Void

    var isRequired: Bool {
        if case .allowed = absence { return false }
        return true
    }

    /// Text; null is no text (a member to leave as it is is left out).
    static func text(_ name: String, _ schema: JSON, absence: Absence = .allowed, _ set: @escaping (String, inout Body) throws -> Void) -> Self {
        JSONField(name: name, schema: schema, absence: absence) { member, body in
            guard case .string(let text) = member else { throw UserError.badRequest("“\(name)” must be text.") }
            try set(text, &body)
        }
    }

    /// A list of up to `most` texts.
    static func texts(_ name: String, most: Int, _ schema: JSON, absence: Absence = .allowed,
                      _ set: @escaping ([String], inout Body) throws -> Void) -> Self {
        JSONField(name: name, schema: schema, absence: absence) { member, body in
            guard case .array(let items) = member else { throw UserError.badRequest("“\(name)” must be a list of texts.") }
            guard items.count <= most else { throw UserError.badRequest("“\(name)” holds at most \(most) items.") }
            try set(try items.map { item in
                guard case .string(let text) = item else { throw UserError.badRequest("“\(name)” must be a list of texts.") }
                return text
            }, &body)
        }
    }

    /// A whole number in `range`, or null (through `RequestNumber`, as every number from outside; 27.0 is the integer 27,
    /// as JSON Schema says).
    static func number(_ name: String, in range: ClosedRange<Int>, _ schema: JSON, absence: Absence = .allowed,
                       _ set: @escaping (Int?, inout Body) throws -> Void) -> Self {
        JSONField(name: name, schema: schema, absence: absence) { member, body in
            switch member {
            case .number(let text):
                guard let value = RequestNumber.parse(jsonNumber: text, in: range) else { throw Self.outside(name, range) }
                try set(value, &body)
            case .null: try set(nil, &body)
            default: throw Self.outside(name, range)
            }
        }
    }

    static func outside(_ name: String, _ range: ClosedRange<Int>) -> UserError {
        .badRequest("“\(name)” must be a whole number from \(range.lowerBound) to \(range.upperBound).")
    }

    /// The same member read into a part of a larger body.
    func within<Outer>(_ path: WritableKeyPath<Outer, Body>) -> JSONField<Outer> {
        let read = self.read
        let absence: JSONField<Outer>.Absence
        switch self.absence {
        case .allowed: absence = .allowed
        case .refused(let error): absence = .refused(error)
        case .checkedLater: absence = .checkedLater
        }
        return JSONField<Outer>(name: name, schema: schema, absence: absence) { member, outer in try read(member, &outer[keyPath: path]) }
    }
}
