import Domain

/// An answer's JSON object: its members declared once, each with its schema and how it is written
/// from `Value`, so that the document's schema and what the handler writes cannot differ.
protocol JSONAnswer: JSONSchemaDescribed {
    associatedtype Value
    static var members: [JSONMember<Value>] { get }
}

/// One member of an answer: its name, its schema, and how it is written.
struct JSONMember<Value> {
    let name: String
    let schema: JSON
    let write: (Value) -> JSON
}

extension JSONAnswer {
    /// Every member is always written: all are required, and no other.
    static var schema: JSON {
        ["type": "object", "additionalProperties": false, "required": .array(members.map { .string($0.name) }),
         "properties": .object(members.map { ($0.name, $0.schema) })]
    }

    static func encode(_ value: Value) -> JSON {
        .object(members.map { ($0.name, $0.write(value)) })
    }
}
