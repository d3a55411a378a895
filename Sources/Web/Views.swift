import Foundation
import Mustache

/// The templates of `Views/`, parsed once at start and shared by every worker.
public struct Views: Sendable {
    let library: MustacheLibrary

    public struct LoadError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Loads every `.mustache` file below `directory`; subfolders name partials ("partials/pager").
    public init(directory: String) throws {
        let root = URL(fileURLWithPath: directory).standardizedFileURL
        guard let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else {
            throw LoadError(description: "cannot read templates in \(directory)")
        }
        var templates: [String: MustacheTemplate] = [:]
        for case let file as URL in files where file.pathExtension == "mustache" {
            let name = String(file.standardizedFileURL.path.dropFirst(root.path.count + 1).dropLast(".mustache".count))
            do {
                templates[name] = try MustacheTemplate(string: String(contentsOf: file, encoding: .utf8))
            } catch {
                throw LoadError(description: "template \(name): \(error)")
            }
        }
        guard templates["layout"] != nil else { throw LoadError(description: "no layout.mustache in \(directory)") }
        library = MustacheLibrary(templates: templates)
    }

    /// Renders a page; every {{value}} is HTML-escaped by the template engine.
    func render(_ name: String, _ context: [String: Any]) -> String {
        guard let html = library.render(context, withTemplate: name) else {
            preconditionFailure("missing template \(name)")
        }
        return html
    }
}
