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
    /// whole document, freeing it included), in this thread's CPU time and in wall-clock time, and
    /// the time to refuse it under the request limits, if they refuse it. CPU time, because the
    /// machine is shared: wall-clock time also counts the moments other programs had the core.
    func run() throws {
        let unbounded = JSON.Limits(membersPerObject: .max, values: .max)
        for file in files {
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
            let parsed = try median { _ = try JSON.parse(bytes, limits: unbounded) }
            var refusal = "accepted"
            do { _ = try JSON.parse(bytes) } catch { refusal = "refused" }
            let limited = try median { _ = try? JSON.parse(bytes) }
            print(String(format: "%@ bytes=%d parse_ms=%.2f wall_ms=%.2f limited_ms=%.3f limited=%@", file, bytes.count, parsed.cpu, parsed.wall,
                         limited.cpu, refusal))
        }
    }

    func median(_ body: () throws -> Void) throws -> (cpu: Double, wall: Double) {
        var cpu: [Double] = [], wall: [Double] = []
        for _ in 0..<iterations {
            let (startCPU, startWall) = (Self.threadMilliseconds(), Date())
            try body()
            cpu.append(Self.threadMilliseconds() - startCPU)
            wall.append(Date().timeIntervalSince(startWall) * 1000)
        }
        return (cpu.sorted()[cpu.count / 2], wall.sorted()[wall.count / 2])
    }

    static func threadMilliseconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) * 1000 + Double(time.tv_nsec) / 1e6
    }
}
