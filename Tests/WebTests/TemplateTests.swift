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
                                                          "title": "Nope", "assetVersion": "1"]), as: UTF8.self)
        XCTAssertTrue(html.hasPrefix("<!doctype html>"))
        XCTAssertTrue(html.contains("<title>Nope · Connections</title>"))
        XCTAssertTrue(html.contains("&lt;b&gt;x&lt;/b&gt;"))
        XCTAssertThrowsError(try Views(directory: "/nonexistent"))
    }
}
