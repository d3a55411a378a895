import FastCGI
import Storage

/// `/readyz`: whether this process can serve, for the run scripts, the systemd unit and a load
/// balancer: the database answers, its schema is at the version this build migrates to, and the
/// templates are loaded. 200 "ready", or 503 naming what is not (`/healthz` only says the process answers).
struct Readiness {
    let handler: ConsoleHandler

    func respond() -> Response {
        var problems: [String] = []
        do {
            let migrator = Migrator()
            let version = try migrator.currentVersion(of: handler.database)
            if version != migrator.migrations.count {
                problems.append("the database is at schema version \(version), this build needs \(migrator.migrations.count): run connections migrate")
            }
        } catch {
            handler.database.logger.error("not ready: the database cannot be read", metadata: ["error": "\(error)"])
            problems.append("the database cannot be read (the log says why)")
        }
        if let missing = Views.missing(from: handler.configuration.views.templates) { problems.append("templates missing: \(missing)") }
        guard problems.isEmpty else {
            return Response(status: 503, headers: [("Content-Type", "text/plain; charset=utf-8"), ("Cache-Control", "no-store"), ("Retry-After", "5")],
                            body: .bytes(Array(("not ready: " + problems.joined(separator: "; ") + "\n").utf8)))
        }
        return Response(contentType: "text/plain; charset=utf-8", body: "ready\n")
    }
}
