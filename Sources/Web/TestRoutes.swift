import Foundation
import Domain
import FastCGI
import Storage

/// Served only with `serve --test-routes`: lets the end-to-end tests hold a request
/// open (graceful shutdown), make a handler throw (the 500 path) and stream a body.
enum TestRoutes {
    struct DeliberateFailure: Error {}

    static func respond(to request: Request, action: String) throws -> Response {
        switch action {
        case "sleep":
            let milliseconds = RequestNumber.parse(request.queryValue("ms"), in: 0...30_000) ?? 1000
            Thread.sleep(forTimeInterval: Double(milliseconds) / 1000)
            return Response(contentType: "text/plain; charset=utf-8", body: "slept \(milliseconds) ms\n")
        case "fail":
            throw DeliberateFailure()
        case "stream":
            // Chunks with pauses: the client must see the first before the last is written.
            let chunks = RequestNumber.parse(request.queryValue("chunks"), in: 0...1000) ?? 5
            return Response(headers: [("Content-Type", "text/plain; charset=utf-8")], body: .stream { out in
                for index in 0..<chunks {
                    try out.write("chunk \(index) at \(Int(Date().timeIntervalSince1970 * 1000))\n")
                    try out.flush()
                    Thread.sleep(forTimeInterval: 0.2)
                }
            })
        default:
            throw UserError.notFound("No such test route.")
        }
    }

    /// POST /_test/slow-write?ms=…&mark=…: one transaction that writes a row, waits, then commits,
    /// so a test can kill the process in the middle and see that nothing of it stays.
    static func slowWrite(_ request: Request, database: Database) throws -> Response {
        let milliseconds = RequestNumber.parse(request.queryValue("ms"), in: 0...30_000) ?? 1000
        let mark = String((request.queryValue("mark") ?? "slow write").prefix(100))
        try database.transaction(locking: []) {
            try database.run("INSERT INTO audit_log (at, actor, action, subject) VALUES (?1, 'test', 'Slow write', ?2)",
                             [.text(DateText.now()), .text(mark)])
            Log.info("slow write \(mark) in process \(getpid())")
            Thread.sleep(forTimeInterval: Double(milliseconds) / 1000)
        }
        return Response(contentType: "text/plain; charset=utf-8", body: "written \(mark)\n")
    }
}
