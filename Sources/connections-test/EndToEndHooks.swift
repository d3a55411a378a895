import Domain
import FastCGI
import Foundation
import Observability
import Storage
import Synchronization
import Web

/// The end-to-end tests' hooks (`serve --test-routes` of this test build only): hold a request
/// open (graceful shutdown), make a handler throw (the 500 path), stream a body, hold a write
/// open, and bend an export (fail it, slow it, lower Excel's row limit).
struct EndToEndHooks: TestHooks {
    struct DeliberateFailure: Error {}

    func respond(to request: Request, action: String, database: Database) throws -> Response {
        switch (request.method, action) {
        case ("GET", "sleep"), ("HEAD", "sleep"):
            let milliseconds = RequestNumber.parse(request.queryValue("ms"), in: 0...30_000) ?? 1000
            Thread.sleep(forTimeInterval: Double(milliseconds) / 1000)
            return Response(contentType: "text/plain; charset=utf-8", body: "slept \(milliseconds) ms\n")
        case ("GET", "fail"), ("HEAD", "fail"):
            throw DeliberateFailure()
        case ("GET", "stream"), ("HEAD", "stream"):
            // Chunks with pauses: the client must see the first before the last is written.
            let chunks = RequestNumber.parse(request.queryValue("chunks"), in: 0...1000) ?? 5
            return Response(headers: [("Content-Type", "text/plain; charset=utf-8")], body: .stream { out in
                for index in 0..<chunks {
                    try out.write("chunk \(index) at \(Int(Date().timeIntervalSince1970 * 1000))\n")
                    try out.flush()
                    Thread.sleep(forTimeInterval: 0.2)
                }
            })
        case ("POST", "slow-write"):
            return try slowWrite(request, database: database)
        case ("POST", "clock"):
            // POST /_test/clock?at=2027-06-30T00:00:10Z sets the time memberships that end go by; no `at`: the real time again.
            let at = request.queryValue("at").flatMap(DateText.parse)
            Self.clock.store(at.map { Int($0.timeIntervalSince1970) } ?? 0, ordering: .releasing)
            return Response(contentType: "text/plain; charset=utf-8", body: "clock \(at.map(DateText.store) ?? "real")\n")
        default:
            throw UserError.notFound("No such test route.")
        }
    }

    /// POST /_test/slow-write?ms=…&mark=…: one transaction that writes a row, waits, then commits,
    /// so a test can kill the process in the middle and see that nothing of it stays.
    func slowWrite(_ request: Request, database: Database) throws -> Response {
        let milliseconds = RequestNumber.parse(request.queryValue("ms"), in: 0...30_000) ?? 1000
        let mark = String((request.queryValue("mark") ?? "slow write").prefix(100))
        try database.transaction(locking: []) {
            try database.run("INSERT INTO audit_log (at, actor, action, subject) VALUES (\(p: 1), 'test', 'Slow write', \(p: 2))",
                             [.text(DateText.now()), .text(mark)])
            Logs.process.info("slow write \(mark) in process \(getpid())")
            Thread.sleep(forTimeInterval: Double(milliseconds) / 1000)
        }
        return Response(contentType: "text/plain; charset=utf-8", body: "written \(mark)\n")
    }

    /// The time a test set through /_test/clock (seconds since 1970), 0 for the real one: one per process.
    static let clock = Atomic<Int>(0)

    func now() -> Date? {
        let seconds = Self.clock.load(ordering: .acquiring)
        return seconds == 0 ? nil : Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    /// Sent in the export's form or in the page's query.
    func exportKnobs(_ request: Request) -> ExportKnobs {
        let value = { (name: String) in request.formValue(name) ?? request.queryValue(name) }
        return ExportKnobs(failAfter: RequestNumber.parse(value("_fail_after"), in: RequestNumber.smallCounts),
                           pausePer1000Rows: RequestNumber.parse(value("_pause_ms_per_1000_rows"), in: 0...10_000),
                           xlsxRowLimit: RequestNumber.parse(value("_xlsx_row_limit"), in: RequestNumber.smallCounts))
    }
}
