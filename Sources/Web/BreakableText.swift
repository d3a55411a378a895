/// Text for a narrow box, as HTML: escaped, with a line-break chance (`<wbr>`) where an address may
/// break (after `@`, `.` and `/` that follow a letter or digit) and, in a run of characters without
/// a space (a token, a made-up word), after every 20th. Words themselves never break: the stylesheet
/// keeps `overflow-wrap` from breaking inside a word that fits, and table columns do not shrink below
/// their words. Only this type's output may be written by a template as is (`{{{name}}}`).
enum BreakableText {
    static let longestPiece = 20

    static func html(_ text: String) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count + 16)
        var run = 0  // characters since the last space or break chance
        var previous: Character = " "
        for character in text {
            if character.isWhitespace {
                run = 0
            } else if run == longestPiece {
                output.append(contentsOf: "<wbr>".utf8)
                run = 0
            }
            HTMLEscaping.append(String(character), to: &output)
            if !character.isWhitespace { run += 1 }
            if "@./".contains(character), previous.isLetter || previous.isNumber {
                output.append(contentsOf: "<wbr>".utf8)
                run = 0
            }
            previous = character
        }
        return String(decoding: output, as: UTF8.self)
    }
}

extension TemplateValue {
    /// `text` made by `BreakableText`, for a template's `{{{name}}}`.
    static func breakable(_ text: String) -> TemplateValue { .text(BreakableText.html(text)) }
}
