/// Renders compiled templates into bytes. Every {{value}} is HTML-escaped.
struct TemplateRenderer {
    let templates: [String: Template]

    func render(_ name: String, _ context: TemplateValue) -> [UInt8] {
        guard let template = templates[name] else { return [] }
        var state = State(stack: [context])
        state.output.reserveCapacity(48 * 1024)
        run(template, 0..<template.operations.count, &state)
        return state.output
    }

    /// Everything a render changes, passed inout so that walking it costs no reference counting.
    private struct State {
        var stack: [TemplateValue]
        /// Block overrides of the parents being rendered: the child template and its parent operation.
        var overrides: [(template: Template, parent: Int)] = []
        var output: [UInt8] = []
    }

    private func run(_ template: borrowing Template, _ range: Range<Int>, _ state: inout State) {
        var index = range.lowerBound
        while index < range.upperBound {
            switch template.operations[index] {
            case .text(let start, let end):
                template.bytes.withUnsafeBufferPointer { state.output.append(contentsOf: UnsafeBufferPointer(rebasing: $0[start..<end])) }
                index += 1
            case .variable(let name, let escaped):
                if case .text(let text)? = lookup(template, name, state.stack) {
                    if escaped { HTMLEscaping.append(text, to: &state.output) } else { state.output.append(contentsOf: text.utf8) }
                }
                index += 1
            case .section(let name, let inverted, let end):
                let value = lookup(template, name, state.stack)
                let truthy = value?.isTruthy ?? false
                if inverted {
                    if !truthy { run(template, (index + 1)..<end, &state) }
                } else if truthy, let value {
                    switch value {
                    case .list(let items):
                        for item in items {
                            state.stack.append(item)
                            run(template, (index + 1)..<end, &state)
                            state.stack.removeLast()
                        }
                    case .object:
                        state.stack.append(value)
                        run(template, (index + 1)..<end, &state)
                        state.stack.removeLast()
                    case .text, .bool:
                        run(template, (index + 1)..<end, &state)
                    }
                }
                index = end
            case .partial(let name):
                if let partial = templates[template.names[name]] { run(partial, 0..<partial.operations.count, &state) }
                index += 1
            case .parent(let name, let end):
                if let parent = templates[template.names[name]] {
                    state.overrides.append((copy template, index))
                    run(parent, 0..<parent.operations.count, &state)
                    state.overrides.removeLast()
                }
                index = end
            case .block(let name, let end):
                if let (child, body) = override(of: template.names[name], in: state.overrides) {
                    run(child, body, &state)
                } else {
                    run(template, (index + 1)..<end, &state)
                }
                index = end
            }
        }
    }

    /// The outermost parent's override of a block wins, as in Mustache inheritance.
    private func override(of block: String, in overrides: [(template: Template, parent: Int)]) -> (Template, Range<Int>)? {
        for (child, parent) in overrides {
            guard case .parent(_, let end) = child.operations[parent] else { continue }
            var index = parent + 1
            while index < end {
                guard case .block(let name, let blockEnd) = child.operations[index] else { index += 1; continue }
                if child.names[name] == block { return (child, (index + 1)..<blockEnd) }
                index = blockEnd
            }
        }
        return nil
    }

    /// Finds a name up the context stack, then follows the rest of a dotted name from it.
    private func lookup(_ template: borrowing Template, _ name: Int, _ stack: borrowing [TemplateValue]) -> TemplateValue? {
        let first = template.names[name]
        if first == "." { return stack.last }
        var frame = stack.count - 1
        while frame >= 0 {
            if var value = stack[frame].field(first) {
                for key in template.paths[name] {
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
