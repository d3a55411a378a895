import FastCGI
import Observability

/// What one request leaves behind: its log line (request id, method, route template, status,
/// duration, user and organization) and its sample in `connections_http_request_duration_seconds`.
/// Filled as the request is served; `finish` writes both.
struct RequestRecord {
    let request: Request
    /// The route's template ("/connections/{id:Int}"); "unmatched" for a path no route takes.
    var route = "unmatched"
    var userID: Int?
    var organizationID: Int?

    init(request: Request) {
        self.request = request
    }

    func finish(status: Int, duration: Duration) {
        Telemetry.request(route: route, status: status, duration: duration)
        let level: Logger.Level = status >= 500 ? .error : .info
        guard request.logger.logLevel <= level else { return }
        var metadata: Logger.Metadata = [
            "method": .string(request.method), "route": .string(route), "status": .stringConvertible(status),
            "duration_ms": .stringConvertible((duration.milliseconds * 1000).rounded() / 1000),
        ]
        if let userID { metadata["user_id"] = .stringConvertible(userID) }
        if let organizationID { metadata["organization_id"] = .stringConvertible(organizationID) }
        request.logger.log(level: level, "request", metadata: metadata)
    }
}
