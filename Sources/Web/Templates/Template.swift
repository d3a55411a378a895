/// A parsed Mustache template: the subset the views use, compiled once at start.
/// {{name}} (escaped), {{{name}}} and {{&name}} (as is), {{a.b}}, {{.}}, sections {{#name}}…{{/name}},
/// inverted sections {{^name}}…{{/name}}, comments {{! … }}, partials {{> name}}, and a parent
/// template with blocks: {{<layout}}{{$content}}…{{/content}}{{/layout}}.
struct Template: Sendable {
    enum Node: Sendable {
        case text([UInt8])
        /// `name` is the first part of a dotted name; `path` the rest, most often empty.
        case variable(name: String, path: [String], escaped: Bool)
        case section(name: String, path: [String], inverted: Bool, children: [Node])
        case partial(String)
        case parent(String, blocks: [String: [Node]])
        case block(String, defaults: [Node])
    }

    struct ParseError: Error, CustomStringConvertible {
        let description: String
    }

    let nodes: [Node]

    init(_ source: String) throws {
        var parser = Parser(source: Array(source.utf8))
        nodes = try parser.parse(until: nil)
    }
}

private struct Parser {
    let source: [UInt8]
    var position = 0

    init(source: [UInt8]) { self.source = source }

    /// Parses nodes up to the closing tag of `section`, or to the end when nil.
    mutating func parse(until section: String?) throws -> [Template.Node] {
        var nodes: [Template.Node] = []
        while position < source.count {
            guard let open = find("{{", from: position) else {
                nodes.append(.text(Array(source[position...])))
                position = source.count
                break
            }
            if open > position { nodes.append(.text(Array(source[position..<open]))) }
            let triple = open + 2 < source.count && source[open + 2] == UInt8(ascii: "{")
            let closer = triple ? "}}}" : "}}"
            guard let close = find(closer, from: open + 2) else { throw error("unclosed tag", at: open) }
            let inner = String(decoding: source[(open + (triple ? 3 : 2))..<close], as: UTF8.self)
            position = close + closer.utf8.count
            if triple {
                nodes.append(variable(inner, escaped: false))
                continue
            }
            let sigil = inner.first ?? " "
            let name = String(inner.dropFirst()).trimmingSpaces
            switch sigil {
            case "!": continue
            case "&": nodes.append(variable(name, escaped: false))
            case "#", "^":
                let parts = path(name)
                nodes.append(.section(name: parts[0], path: Array(parts.dropFirst()), inverted: sigil == "^", children: try parse(until: name)))
            case "/":
                guard name == section else { throw error("unexpected {{/\(name)}}", at: open) }
                return nodes
            case ">": nodes.append(.partial(name))
            case "$": nodes.append(.block(name, defaults: try parse(until: name)))
            case "<":
                var blocks: [String: [Template.Node]] = [:]
                for node in try parse(until: name) {
                    if case .block(let blockName, let children) = node { blocks[blockName] = children }
                }
                nodes.append(.parent(name, blocks: blocks))
            default: nodes.append(variable(inner, escaped: true))
            }
        }
        if let section { throw error("{{#\(section)}} is never closed", at: position) }
        return nodes
    }

    func path(_ name: String) -> [String] {
        let trimmed = name.trimmingSpaces
        return trimmed == "." ? ["."] : trimmed.split(separator: ".").map(String.init)
    }

    func variable(_ name: String, escaped: Bool) -> Template.Node {
        let parts = path(name)
        return .variable(name: parts[0], path: Array(parts.dropFirst()), escaped: escaped)
    }

    func find(_ needle: String, from start: Int) -> Int? {
        let pattern = Array(needle.utf8)
        var index = start
        while index + pattern.count <= source.count {
            if source[index] == pattern[0] && Array(source[index..<(index + pattern.count)]) == pattern { return index }
            index += 1
        }
        return nil
    }

    func error(_ message: String, at offset: Int) -> Template.ParseError {
        let line = source[..<min(offset, source.count)].filter { $0 == UInt8(ascii: "\n") }.count + 1
        return Template.ParseError(description: "line \(line): \(message)")
    }
}

extension String {
    var trimmingSpaces: String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
