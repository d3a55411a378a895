import Foundation

/// The templates of `Views/`, parsed once at start and shared by every worker.
public struct Views: Sendable {
    let templates: [String: Template]

    public struct LoadError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Loads every `.mustache` file below `directory`; subfolders name partials ("partials/pager").
    /// A folder lacking a template the code renders, or a partial or parent one of its templates
    /// names, is refused here, with one line naming each missing file: rendering would otherwise
    /// stop the process (or drop part of a page) at the first request that needs it.
    public init(directory: String) throws {
        let root = URL(fileURLWithPath: directory).standardizedFileURL
        guard let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else {
            throw LoadError(description: "cannot read templates in \(directory)")
        }
        var templates: [String: Template] = [:]
        for case let file as URL in files where file.pathExtension == "mustache" {
            let name = String(file.standardizedFileURL.path.dropFirst(root.path.count + 1).dropLast(".mustache".count))
            do {
                templates[name] = try Template(String(contentsOf: file, encoding: .utf8))
            } catch {
                throw LoadError(description: "template \(name): \(error)")
            }
        }
        guard !templates.isEmpty else { throw LoadError(description: "no .mustache templates in \(directory)") }
        if let missing = Self.missing(from: templates) {
            throw LoadError(description: "the templates in \(directory) lack \(missing)")
        }
        self.templates = templates
    }

    /// The templates the code renders: every page, and both parts of every email.
    static let namedByCode = PageTemplate.allCases.map(\.rawValue) + EmailComposer.allTemplates

    /// Each missing template with who names it ("partials/pager.mustache (named by connections)"),
    /// in one line; nil when nothing is missing.
    static func missing(from templates: [String: Template]) -> String? {
        var namedBy: [String: Set<String>] = [:]
        for name in namedByCode where templates[name] == nil { namedBy[name, default: []].insert("the code") }
        for (name, template) in templates {
            for include in template.includes where templates[include] == nil { namedBy[include, default: []].insert(name) }
        }
        guard !namedBy.isEmpty else { return nil }
        return namedBy.keys.sorted().map { "\($0).mustache (named by \(namedBy[$0]!.sorted().joined(separator: ", ")))" }
            .joined(separator: ", ")
    }

    init(templates: [String: Template]) {
        self.templates = templates
    }

    /// Renders a page; every {{value}} is HTML-escaped.
    func render(_ name: String, _ context: TemplateValue) -> [UInt8] {
        precondition(templates[name] != nil, "missing template \(name)")
        return TemplateRenderer(templates: templates).render(name, context)
    }
}
