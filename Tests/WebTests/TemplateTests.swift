@testable import Web
import XCTest

final class TemplateTests: XCTestCase {
    func render(_ source: String, _ context: TemplateValue, partials: [String: String] = [:]) throws -> String {
        var templates = try partials.mapValues(Template.init)
        templates["main"] = try Template(source)
        return String(decoding: TemplateRenderer(templates: templates).render("main", context), as: UTF8.self)
    }

    func testVariablesAreEscapedUnlessTripleBraced() throws {
        let context: TemplateValue = ["v": "<a href=\"x\">Tom & 'Jerry'</a>"]
        XCTAssertEqual(try render("{{v}}", context), "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;")
        XCTAssertEqual(try render("{{{v}}}|{{& v}}", context), "<a href=\"x\">Tom & 'Jerry'</a>|<a href=\"x\">Tom & 'Jerry'</a>")
        XCTAssertEqual(try render("[{{missing}}]", context), "[]")
        XCTAssertEqual(try render("{{ v }}", ["v": "é ✓ 🚗"]), "é ✓ 🚗")
    }

    func testSections() throws {
        let context: TemplateValue = [
            "yes": true, "no": false, "empty": [], "blank": "",
            "items": [["n": "a"], ["n": "b"]], "words": ["x", "y"], "person": ["name": "Ana"], "title": "T",
        ]
        XCTAssertEqual(try render("{{#yes}}Y{{/yes}}{{#no}}N{{/no}}{{^no}}!N{{/no}}{{^yes}}!Y{{/yes}}", context), "Y!N")
        XCTAssertEqual(try render("{{#empty}}E{{/empty}}{{^empty}}none{{/empty}}{{#blank}}B{{/blank}}{{#missing}}M{{/missing}}", context), "none")
        XCTAssertEqual(try render("{{#items}}<{{n}}{{title}}>{{/items}}", context), "<aT><bT>")
        XCTAssertEqual(try render("{{#words}}{{.}},{{/words}}", context), "x,y,")
        XCTAssertEqual(try render("{{#person}}{{name}}{{/person}} {{person.name}} {{person.age}}", context), "Ana Ana ")
    }

    func testStandaloneTagsTakeTheirLine() throws {
        let source = "<ul>\n  {{#items}}\n  <li>{{n}}</li>\n  {{/items}}\n  {{! a comment }}\n</ul>\n"
        XCTAssertEqual(try render(source, ["items": [["n": "1"], ["n": "2"]]]), "<ul>\n  <li>1</li>\n  <li>2</li>\n</ul>\n")
        XCTAssertEqual(try render("a {{#t}}b{{/t}} c\n", ["t": true]), "a b c\n")
    }

    func testPartialsAndParents() throws {
        let partials = [
            "layout": "<title>{{$title}}Default{{/title}}</title><main>{{$content}}{{/content}}</main>",
            "row": "<tr>{{name}}</tr>",
        ]
        let page = "{{<layout}}{{$content}}{{#rows}}{{> row}}{{/rows}}{{/content}}{{/layout}}"
        XCTAssertEqual(try render(page, ["rows": [["name": "<x>"]]], partials: partials),
                       "<title>Default</title><main><tr>&lt;x&gt;</tr></main>")
    }

    func testMalformedTemplatesAreRejectedWithTheLine() {
        for source in ["{{#a}}never closed", "a\n{{/b}}", "{{unclosed", "{{}}", "{{#a}}{{/b}}{{/a}}"] {
            XCTAssertThrowsError(try Template(source), source) { error in
                XCTAssertTrue("\(error)".hasPrefix("line "), "\(error)")
            }
        }
    }

    func testTheViewsFolderLoads() throws {
        let views = try Views(directory: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Views").path)
        let html = String(decoding: views.render("error", ["status": "404", "heading": "Page not found", "message": "<b>x</b>",
                                                          "title": "Nope", "titleContext": "Driver Management", "assetVersion": "1"]), as: UTF8.self)
        XCTAssertTrue(html.hasPrefix("<!doctype html>"))
        XCTAssertTrue(html.contains("<title>Nope - Driver Management</title>"))
        XCTAssertTrue(html.contains("&lt;b&gt;x&lt;/b&gt;"))
        XCTAssertThrowsError(try Views(directory: "/nonexistent"))
    }
}

/// Every template the code renders, and every partial and parent those name, is checked when
/// the Views folder loads: a folder lacking one is refused with one line naming it.
final class ViewsCheckTests: XCTestCase {
    let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Views").standardizedFileURL
    var copy: URL!

    override func setUpWithError() throws {
        copy = FileManager.default.temporaryDirectory.appendingPathComponent("views-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: source, to: copy)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: copy)
    }

    func refusal(removing files: [String]) -> String {
        for file in files { try? FileManager.default.removeItem(at: copy.appendingPathComponent(file)) }
        do {
            _ = try Views(directory: copy.path)
            return "loaded"
        } catch {
            return "\(error)"
        }
    }

    func testAMissingPartialIsNamedWithTheTemplatesThatUseIt() {
        XCTAssertEqual(refusal(removing: ["partials/email-status.mustache"]),
                       "the templates in \(copy.path) lack partials/email-status.mustache (named by email, users)")
    }

    func testAMissingPageEmailOrParentIsNamed() {
        XCTAssertEqual(refusal(removing: ["find.mustache", "emails/digest-text.mustache", "emails/layout-text.mustache"]),
                       "the templates in \(copy.path) lack emails/digest-text.mustache (named by the code), "
                       + "emails/layout-text.mustache (named by emails/driver-removed-text, emails/email-confirmation-text, "
                       + "emails/invite-text, emails/renewal-reminder-text, emails/request-approved-text, emails/request-denied-text, "
                       + "emails/request-received-text, emails/reverification-text, emails/status-link-text, emails/user-invitation-text, "
                       + "emails/view-report-text), find.mustache (named by the code)")
    }

    func testAnEmptyFolderIsRefused() throws {
        let empty = copy.appendingPathComponent("none")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        XCTAssertThrowsError(try Views(directory: empty.path)) { XCTAssertEqual("\($0)", "no .mustache templates in \(empty.path)") }
    }

    /// The other way round: every file of the folder is a page, an email, or named by another template.
    func testEveryTemplateOfTheFolderIsUsed() throws {
        let views = try Views(directory: source.path)
        let named = Set(Views.namedByCode + views.templates.values.flatMap(\.includes))
        XCTAssertEqual(Set(views.templates.keys).subtracting(named), [])
    }
}
