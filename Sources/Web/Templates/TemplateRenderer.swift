/// Renders parsed templates into bytes. Every {{value}} is HTML-escaped.
struct TemplateRenderer {
    let templates: [String: Template]

    func render(_ name: String, _ context: TemplateValue) -> [UInt8] {
        var state = State(stack: [context])
        state.output.reserveCapacity(48 * 1024)
        render(templates[name]?.nodes ?? [], &state)
        return state.output
    }

    /// Everything a render mutates, passed inout so that walking it costs no reference counting.
    private struct State {
        var stack: [TemplateValue]
        var blocks: [[String: [Template.Node]]] = []
        var output: [UInt8] = []
    }

    private func render(_ nodes: [Template.Node], _ state: inout State) {
        for index in nodes.indices {
            switch nodes[index] {
            case .text(let bytes):
                state.output.append(contentsOf: bytes)
            case .variable(let name, let path, let escaped):
                guard let value = lookup(name, path, state.stack) else { continue }
                switch value {
                case .text(let text):
                    if escaped { HTMLEscaping.append(text, to: &state.output) } else { state.output.append(contentsOf: text.utf8) }
                case .bool(let flag):
                    state.output.append(contentsOf: (flag ? "true" : "false").utf8)
                case .list, .object:
                    continue
                }
            case .section(let name, let path, let inverted, let children):
                let value = lookup(name, path, state.stack)
                let truthy = value?.isTruthy ?? false
                if inverted {
                    if !truthy { render(children, &state) }
                    continue
                }
                guard truthy, let value else { continue }
                switch value {
                case .list(let items):
                    for item in items {
                        state.stack.append(item)
                        render(children, &state)
                        state.stack.removeLast()
                    }
                case .object:
                    state.stack.append(value)
                    render(children, &state)
                    state.stack.removeLast()
                case .text, .bool:
                    render(children, &state)
                }
            case .partial(let name):
                render(templates[name]?.nodes ?? [], &state)
            case .parent(let name, let overrides):
                state.blocks.append(overrides)
                render(templates[name]?.nodes ?? [], &state)
                state.blocks.removeLast()
            case .block(let name, let defaults):
                // The outermost override wins, as in Mustache inheritance.
                let chosen = state.blocks.first { $0[name] != nil }?[name] ?? defaults
                render(chosen, &state)
            }
        }
    }

    /// Finds `name` up the context stack, then follows the rest of a dotted path from it.
    private func lookup(_ name: String, _ path: [String], _ stack: borrowing [TemplateValue]) -> TemplateValue? {
        if name == "." { return stack.last }
        var frame = stack.count - 1
        while frame >= 0 {
            if var value = stack[frame].field(name) {
                for key in path {
                    guard let next = value.field(key) else { return nil }
                    value = next
                }
                return value
            }
            frame -= 1
        }
        return nil
    }
}
