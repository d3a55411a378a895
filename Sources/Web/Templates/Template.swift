/// A parsed Mustache template: the subset the views use, compiled once at start into a flat
/// list of operations whose payloads are plain integers, so rendering does no reference counting.
/// Supported: {{name}} (escaped), {{{name}}} and {{&name}} (as is), {{a.b}}, {{.}}, sections
/// {{#name}}…{{/name}}, inverted sections {{^name}}…{{/name}}, comments {{! … }}, partials
/// {{> name}}, and a parent template with blocks: {{<layout}}{{$content}}…{{/content}}{{/layout}}.
struct Template: Sendable {
    enum Operation: Sendable {
        case text(start: Int, end: Int)
        case variable(name: Int, escaped: Bool)
        /// Its body is the operations up to `end`.
        case section(name: Int, inverted: Bool, end: Int)
        case partial(name: Int)
        /// Renders template `name` with the blocks defined up to `end` overriding its own.
        case parent(name: Int, end: Int)
        /// A block's default body, or (inside a parent) its override, up to `end`.
        case block(name: Int, end: Int)
    }

    struct ParseError: Error, CustomStringConvertible {
        let description: String
    }

    private(set) var operations: [Operation] = []
    /// Static text, referenced by offsets.
    private(set) var bytes: [UInt8] = []
    /// The first part of each name; `paths` holds the rest of a dotted name, most often empty.
    private(set) var names: [String] = []
    private(set) var paths: [[String]] = []

    init(_ source: String) throws {
        var parser = Parser(source: Array(source.utf8))
        try parser.parse(into: &self, until: nil)
    }

    /// The partials and parents it names ({{> name}}, {{<name}}), which must be loaded beside it.
    var includes: [String] {
        operations.compactMap { operation in
            switch operation {
            case .partial(let name), .parent(let name, _): return names[name]
            default: return nil
            }
        }
    }

    fileprivate mutating func intern(_ dotted: String) -> Int {
        let parts = dotted == "." ? ["."] : dotted.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if let index = names.indices.first(where: { names[$0] == parts[0] && paths[$0] == Array(parts.dropFirst()) }) {
            return index
        }
        names.append(parts[0])
        paths.append(Array(parts.dropFirst()))
        return names.count - 1
    }

    fileprivate mutating func appendText(_ text: ArraySlice<UInt8>) {
        guard !text.isEmpty else { return }
        operations.append(.text(start: bytes.count, end: bytes.count + text.count))
        bytes.append(contentsOf: text)
    }

    fileprivate mutating func append(_ operation: Operation) -> Int {
        operations.append(operation)
        return operations.count - 1
    }

    /// Points an opened section, parent or block at the end of its body.
    fileprivate mutating func close(_ index: Int) {
        let end = operations.count
        switch operations[index] {
        case .section(let name, let inverted, _): operations[index] = .section(name: name, inverted: inverted, end: end)
        case .parent(let name, _): operations[index] = .parent(name: name, end: end)
        case .block(let name, _): operations[index] = .block(name: name, end: end)
        default: break
        }
    }
}

private struct Parser {
    let source: [UInt8]
    var position = 0

    init(source: [UInt8]) { self.source = source }

    /// Parses up to the closing tag of `section`, or to the end when nil.
    mutating func parse(into template: inout Template, until section: String?) throws {
        while position < source.count {
            guard let open = find("{{", from: position) else {
                template.appendText(source[position...])
                position = source.count
                break
            }
            let triple = open + 2 < source.count && source[open + 2] == UInt8(ascii: "{")
            let closer = triple ? "}}}" : "}}"
            guard let close = find(closer, from: open + 2) else { throw error("unclosed tag", at: open) }
            let inner = String(decoding: source[(open + (triple ? 3 : 2))..<close], as: UTF8.self)
            let sigil = triple ? "&" : inner.first ?? " "
            let name = (triple || "!&#^/>$<".contains(sigil) ? String(inner.dropFirst(triple ? 0 : 1)) : inner).trimmingSpaces
            var textEnd = open
            var next = close + closer.utf8.count
            // A tag other than a variable alone on its line takes the whole line with it (Mustache's standalone rule).
            if "!#^/>$<".contains(sigil), let line = standaloneLine(tagStart: open, tagEnd: next) {
                textEnd = max(position, line.start)
                next = line.next
            }
            template.appendText(source[position..<textEnd])
            position = next
            guard sigil == "!" || !name.isEmpty else { throw error("a tag without a name", at: open) }
            switch sigil {
            case "!":
                continue
            case "&":
                _ = template.append(.variable(name: template.intern(name), escaped: false))
            case "#", "^":
                let start = template.append(.section(name: template.intern(name), inverted: sigil == "^", end: 0))
                try parse(into: &template, until: name)
                template.close(start)
            case "/":
                guard name == section else { throw error("unexpected {{/\(name)}}", at: open) }
                return
            case ">":
                _ = template.append(.partial(name: template.intern(name)))
            case "$", "<":
                let kind: Template.Operation = sigil == "$" ? .block(name: template.intern(name), end: 0) : .parent(name: template.intern(name), end: 0)
                let start = template.append(kind)
                try parse(into: &template, until: name)
                template.close(start)
            default:
                _ = template.append(.variable(name: template.intern(name), escaped: true))
            }
        }
        if let section { throw error("{{#\(section)}} is never closed", at: position) }
    }

    /// When only blanks surround the tag on its line: where the line starts, and where the next one does.
    func standaloneLine(tagStart: Int, tagEnd: Int) -> (start: Int, next: Int)? {
        func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        var start = tagStart
        while start > 0 && isBlank(source[start - 1]) { start -= 1 }
        guard start == 0 || source[start - 1] == UInt8(ascii: "\n") else { return nil }
        var end = tagEnd
        while end < source.count && (isBlank(source[end]) || source[end] == UInt8(ascii: "\r")) { end += 1 }
        if end == source.count { return (start, end) }
        return source[end] == UInt8(ascii: "\n") ? (start, end + 1) : nil
    }

    func find(_ needle: String, from start: Int) -> Int? {
        let pattern = Array(needle.utf8)
        var index = start
        while index + pattern.count <= source.count {
            if source[index] == pattern[0] && source[index..<(index + pattern.count)].elementsEqual(pattern) { return index }
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
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(self[first...last])
    }
}
