import Foundation
import XCTest

/// Every module a target imports is one it declares in Package.swift: an undeclared import builds
/// only by luck (another target's dependency got it built first) and hides a layer's real needs.
final class PackageImportsTests: XCTestCase {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardizedFileURL

    /// Each library and executable target of the manifest: its sources folder and declared dependencies.
    func targets() throws -> [(name: String, path: String, dependencies: Set<String>)] {
        let manifest = try String(contentsOf: root.appendingPathComponent("Package.swift"), encoding: .utf8)
        let pattern = try NSRegularExpression(
            pattern: #"\.(?:target|executableTarget|systemLibrary)\(name: "([^"]+)"(?:, dependencies: \[([^\]]*)\])?(?:, path: "([^"]+)")?"#)
        return pattern.matches(in: manifest, range: NSRange(manifest.startIndex..., in: manifest)).map { match in
            let text = { (group: Int) in Range(match.range(at: group), in: manifest).map { String(manifest[$0]) } }
            let name = text(1)!
            // Targets by name ("Web") and products (.product(name: "ArgumentParser", ...)): both are quoted names.
            let dependencies = Set((text(2) ?? "").split(separator: "\"", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) })
            return (name, text(3) ?? "Sources/\(name)", dependencies)
        }
    }

    func testEveryTargetDeclaresTheProjectModulesItImports() throws {
        let targets = try targets()
        let modules = Set(targets.map(\.name))
        XCTAssertTrue(modules.isSuperset(of: ["Storage", "Domain", "Web", "FastCGI", "ConnectionsCLI", "connections", "connections-test"]), "\(modules)")
        var undeclared: [String] = []
        for target in targets {
            let folder = root.appendingPathComponent(target.path)
            let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
            for file in files where file.pathExtension == "swift" {
                for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n") where line.hasPrefix("import ") || line.hasPrefix("@testable import ") {
                    let module = String(line.split(separator: " ").last!)
                    if modules.contains(module) && !target.dependencies.contains(module) {
                        undeclared.append("\(target.path)/\(file.lastPathComponent) imports \(module)")
                    }
                }
            }
        }
        XCTAssertEqual(undeclared, [])
    }
}
