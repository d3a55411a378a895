/// What a template reads. Typed, so rendering needs no dynamic casts.
public enum TemplateValue: Sendable {
    /// Shown HTML-escaped by {{name}}; {{{name}}} would show it as is.
    case text(String)
    case bool(Bool)
    case list([TemplateValue])
    /// Named fields. Few per object, with short names: a linear scan beats hashing here.
    case object([(String, TemplateValue)])

    /// Mustache truthiness: false, "", an empty list and a missing name skip a section.
    var isTruthy: Bool {
        switch self {
        case .bool(let value): return value
        case .text(let value): return !value.isEmpty
        case .list(let items): return !items.isEmpty
        case .object: return true
        }
    }
}

extension TemplateValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    public init(stringLiteral value: String) { self = .text(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .text(String(value)) }
    public init(arrayLiteral elements: TemplateValue...) { self = .list(elements) }
    public init(dictionaryLiteral elements: (String, TemplateValue)...) {
        self = .object(elements)
    }
}

extension TemplateValue {
    static func text(_ value: Int) -> TemplateValue { .text(String(value)) }

    func field(_ name: String) -> TemplateValue? {
        guard case .object(let fields) = self else { return nil }
        // By index, so that only the names are read until one matches.
        for index in fields.indices where fields[index].0 == name { return fields[index].1 }
        return nil
    }
}

