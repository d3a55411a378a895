import ArgumentParser
import Domain
import Foundation

struct BenchJSON: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-json", abstract: "Time the API's JSON parser on files of JSON (for scripts/bench-json).")

    @Argument(help: "JSON files to parse.")
    var files: [String]

    @Option(help: "How many times to parse each file; the median is printed.")
    var iterations = 15

    /// Per file: the median parse time without the request limits (the parser's own cost on the
    /// whole document), and the time to refuse it under the request limits, if they refuse it.
    func run() throws {
        let unbounded = JSON.Limits(membersPerObject: .max, values: .max)
        for file in files {
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
            let parsed = try median { _ = try JSON.parse(bytes, limits: unbounded) }
            var refusal = "accepted"
            do { _ = try JSON.parse(bytes) } catch { refusal = "refused" }
            let limited = try median { _ = try? JSON.parse(bytes) }
            print(String(format: "%@ bytes=%d parse_ms=%.2f limited_ms=%.3f limited=%@", file, bytes.count, parsed, limited, refusal))
        }
    }

    func median(_ body: () throws -> Void) throws -> Double {
        var times: [Double] = []
        for _ in 0..<iterations {
            let start = ContinuousClock.now
            try body()
            let elapsed = ContinuousClock.now - start
            times.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
        }
        return times.sorted()[times.count / 2]
    }
}
