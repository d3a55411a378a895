/// Charts drawn on the server as inline SVG: bars (stacked or a histogram), lines and horizontal
/// bars. The view box is narrow (360 wide) so that text stays readable on a phone; CSS widens the
/// figure on larger screens. Each series has a colour of at least 3:1 against white and a pattern
/// or dash of its own, shown in the legend, so no reading depends on hue. The SVG is an image named
/// by its title and summary; the numbers themselves are in the table beside it.
struct SVGChart {
    struct Series {
        let name: String
        let values: [Int]
    }

    static let width = 360.0
    static let height = 220.0
    static let left = 44.0, right = 10.0, top = 12.0, bottom = 44.0
    /// Colour, fill pattern and dash of each series, in order.
    static let colours = ["#1f5fa8", "#a34a00", "#2e7d32", "#6a1b9a", "#4d4d4d"]
    static let dashes = ["", "6 3", "2 3", "8 3 2 3", "1 2"]

    let id: String
    let title: String
    let summary: String
    let xLabel: String
    let yLabel: String

    private var plotWidth: Double { Self.width - Self.left - Self.right }
    private var plotHeight: Double { Self.height - Self.top - Self.bottom }

    /// Vertical bars, one group per label; stacked series share a bar.
    func bars(labels: [String], tickEvery: Int, series: [Series]) -> String {
        let totals = labels.indices.map { index in series.reduce(0) { $0 + max(0, $1.values[index]) } }
        let scale = Self.niceMaximum(totals.max() ?? 0)
        let step = plotWidth / Double(max(1, labels.count))
        let gap = step > 12 ? step * 0.2 : (step > 4 ? 1 : 0)
        var body = ""
        for index in labels.indices {
            var base = 0
            for (number, one) in series.enumerated() {
                let value = max(0, one.values[index])
                guard value > 0 else { continue }
                let top = y(Double(base + value), scale), h = y(Double(base), scale) - top
                let x = Self.left + Double(index) * step + gap / 2
                body += "<rect x=\"\(f(x))\" y=\"\(f(top))\" width=\"\(f(step - gap))\" height=\"\(f(h))\" fill=\"\(fill(number))\" "
                    + "stroke=\"\(Self.colours[number % Self.colours.count])\" stroke-width=\"0.6\"/>"
                base += value
            }
        }
        return frame(scale: scale, labels: labels, tickEvery: tickEvery, centred: true, series: series, body: body, patterns: true)
    }

    /// One line per series over the labels.
    func lines(labels: [String], tickEvery: Int, series: [Series]) -> String {
        let scale = Self.niceMaximum(series.flatMap(\.values).max() ?? 0)
        let step = plotWidth / Double(max(1, labels.count - 1))
        var body = ""
        for (number, one) in series.enumerated() {
            let points = one.values.enumerated().map { "\(f(Self.left + Double($0.offset) * step)),\(f(y(Double(max(0, $0.element)), scale)))" }
            let dash = Self.dashes[number % Self.dashes.count]
            body += "<polyline points=\"\(points.joined(separator: " "))\" fill=\"none\" stroke=\"\(Self.colours[number % Self.colours.count])\" "
                + "stroke-width=\"2\"\(dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\"")/>"
        }
        return frame(scale: scale, labels: labels, tickEvery: tickEvery, centred: false, series: series, body: body, patterns: false)
    }

    /// One bar per row, its label above it and its number at its end (long names fit a phone).
    func horizontalBars(_ rows: [(label: String, value: Int)]) -> String {
        let rowHeight = 32.0
        let chartHeight = Self.top + Double(max(1, rows.count)) * rowHeight + 30
        let scale = Self.niceMaximum(rows.map(\.value).max() ?? 0)
        let barWidth = Self.width - 20 - 50
        var body = ""
        for (index, row) in rows.enumerated() {
            let y0 = Self.top + Double(index) * rowHeight
            let w = scale == 0 ? 0 : barWidth * Double(max(0, row.value)) / Double(scale)
            body += "<text x=\"10\" y=\"\(f(y0 + 11))\" class=\"chart-label\">\(escape(Self.shortened(row.label, to: 52)))</text>"
            body += "<rect x=\"10\" y=\"\(f(y0 + 16))\" width=\"\(f(w))\" height=\"10\" fill=\"\(Self.colours[0])\"/>"
            body += "<text x=\"\(f(10 + w + 4))\" y=\"\(f(y0 + 25.5))\" class=\"chart-value\">\(Format.integer(row.value))</text>"
        }
        let axisY = Self.top + Double(rows.count) * rowHeight + 4
        body += "<line x1=\"10\" y1=\"\(f(axisY))\" x2=\"\(f(10 + barWidth))\" y2=\"\(f(axisY))\" class=\"chart-axis\"/>"
        body += "<text x=\"\(f(10 + barWidth / 2))\" y=\"\(f(axisY + 20))\" text-anchor=\"middle\" class=\"chart-axis-label\">\(escape(xLabel))</text>"
        return svg(height: chartHeight, body)
    }

    // MARK: - Parts

    private func frame(scale: Int, labels: [String], tickEvery: Int, centred: Bool, series: [Series], body: String, patterns: Bool) -> String {
        var axes = ""
        for tick in 0...4 {
            let value = scale * tick / 4
            let level = y(Double(value), scale)
            axes += "<line x1=\"\(f(Self.left))\" y1=\"\(f(level))\" x2=\"\(f(Self.width - Self.right))\" y2=\"\(f(level))\" class=\"chart-grid\"/>"
            axes += "<text x=\"\(f(Self.left - 4))\" y=\"\(f(level + 3.5))\" text-anchor=\"end\" class=\"chart-tick\">\(Format.integer(value))</text>"
        }
        let step = plotWidth / Double(max(1, centred ? labels.count : labels.count - 1))
        let baseline = Self.top + plotHeight
        for index in labels.indices where index % max(1, tickEvery) == 0 {
            let x = Self.left + Double(index) * step + (centred ? step / 2 : 0)
            axes += "<line x1=\"\(f(x))\" y1=\"\(f(baseline))\" x2=\"\(f(x))\" y2=\"\(f(baseline + 4))\" class=\"chart-axis\"/>"
            let anchor = index == 0 && !centred ? "start" : "middle"
            axes += "<text x=\"\(f(x))\" y=\"\(f(baseline + 17))\" text-anchor=\"\(anchor)\" class=\"chart-tick\">\(escape(labels[index]))</text>"
        }
        axes += "<line x1=\"\(f(Self.left))\" y1=\"\(f(baseline))\" x2=\"\(f(Self.width - Self.right))\" y2=\"\(f(baseline))\" class=\"chart-axis\"/>"
        axes += "<line x1=\"\(f(Self.left))\" y1=\"\(f(Self.top))\" x2=\"\(f(Self.left))\" y2=\"\(f(baseline))\" class=\"chart-axis\"/>"
        axes += "<text x=\"\(f(Self.left + plotWidth / 2))\" y=\"\(f(Self.height - 8))\" text-anchor=\"middle\" class=\"chart-axis-label\">\(escape(xLabel))</text>"
        axes += "<text transform=\"translate(11 \(f(Self.top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\" class=\"chart-axis-label\">\(escape(yLabel))</text>"
        let defs = patterns ? "<defs>" + series.indices.map(pattern).joined() + "</defs>" : ""
        return svg(height: Self.height, defs + axes + body)
    }

    private func svg(height: Double, _ body: String) -> String {
        "<svg class=\"chart\" viewBox=\"0 0 \(f(Self.width)) \(f(height))\" role=\"img\" aria-labelledby=\"\(id)-title \(id)-desc\" "
            + "xmlns=\"http://www.w3.org/2000/svg\"><title id=\"\(id)-title\">\(escape(title))</title><desc id=\"\(id)-desc\">\(escape(summary))</desc>"
            + body + "</svg>"
    }

    /// Solid for the first series, then hatched, dotted and cross-hatched, each in its colour.
    private func pattern(_ number: Int) -> String {
        let colour = Self.colours[number % Self.colours.count]
        let marks: String
        switch number % 4 {
        case 0: return ""
        case 1: marks = "<path d=\"M0 6 L6 0\" stroke=\"\(colour)\" stroke-width=\"2\"/>"
        case 2: marks = "<circle cx=\"3\" cy=\"3\" r=\"1.6\" fill=\"\(colour)\"/>"
        default: marks = "<path d=\"M0 0 L6 6 M0 6 L6 0\" stroke=\"\(colour)\" stroke-width=\"1.2\"/>"
        }
        return "<pattern id=\"\(id)-p\(number)\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\"><rect width=\"6\" height=\"6\" fill=\"#fff\"/>\(marks)</pattern>"
    }

    func fill(_ number: Int) -> String {
        number % 4 == 0 ? Self.colours[number % Self.colours.count] : "url(#\(id)-p\(number))"
    }

    /// A legend swatch (for the page's HTML legend): a small SVG of the series' fill or dash.
    func swatch(_ number: Int, line: Bool) -> String {
        let colour = Self.colours[number % Self.colours.count]
        if line {
            let dash = Self.dashes[number % Self.dashes.count]
            return "<svg class=\"swatch\" viewBox=\"0 0 24 12\" aria-hidden=\"true\"><line x1=\"0\" y1=\"6\" x2=\"24\" y2=\"6\" stroke=\"\(colour)\" "
                + "stroke-width=\"2\"\(dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\"")/></svg>"
        }
        return "<svg class=\"swatch\" viewBox=\"0 0 12 12\" aria-hidden=\"true\"><defs>\(pattern(number).replacingOccurrences(of: "id=\"\(id)-p", with: "id=\"\(id)-s"))</defs>"
            + "<rect width=\"12\" height=\"12\" fill=\"\(number % 4 == 0 ? colour : "url(#\(id)-s\(number))")\" stroke=\"\(colour)\"/></svg>"
    }

    private func y(_ value: Double, _ scale: Int) -> Double {
        Self.top + plotHeight - (scale == 0 ? 0 : plotHeight * value / Double(scale))
    }

    /// 1, 2, 5 times a power of ten, at least 4 so that the four grid steps are whole numbers.
    static func niceMaximum(_ value: Int) -> Int {
        guard value > 4 else { return 4 }
        var power = 1
        while true {
            for factor in [1, 2, 5] where factor * power * 4 >= value && (factor * power * 4) % 4 == 0 { return factor * power * 4 }
            power *= 10
        }
    }

    static func shortened(_ text: String, to count: Int) -> String {
        text.count <= count ? text : String(text.prefix(count - 1)) + "…"
    }

    private func f(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    private func escape(_ text: String) -> String {
        var output: [UInt8] = []
        HTMLEscaping.append(text, to: &output)
        return String(decoding: output, as: UTF8.self)
    }
}
