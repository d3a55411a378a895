import Foundation

/// The templates of `Views/`, parsed once at start and shared by every worker.
public struct Views: Sendable {
    let templates: [String: Template]

    public struct LoadError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Loads every `.mustache` file below `directory`; subfolders name partials ("partials/pager").
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
        guard templates["layout"] != nil else { throw LoadError(description: "no layout.mustache in \(directory)") }
        self.templates = templates
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
