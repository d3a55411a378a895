import Foundation
import Domain
import FastCGI

/// Served only with `serve --test-routes`: lets the end-to-end tests hold a request
/// open (graceful shutdown) and make a handler throw (the 500 path).
enum TestRoutes {
    struct DeliberateFailure: Error {}

    static func respond(to request: Request, action: String) throws -> Response {
        switch action {
        case "sleep":
            let milliseconds = min(Int(request.queryValue("ms") ?? "") ?? 1000, 30_000)
            Thread.sleep(forTimeInterval: Double(milliseconds) / 1000)
            return Response(contentType: "text/plain; charset=utf-8", body: "slept \(milliseconds) ms\n")
        case "fail":
            throw DeliberateFailure()
        default:
            throw UserError.notFound("No such test route.")
        }
    }
}
