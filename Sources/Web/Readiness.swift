import FastCGI
import Storage

/// `/readyz`: whether a process can serve, for the run scripts, the systemd unit and a load
/// balancer: the database answers, its schema is at the version this build migrates to, and the
/// templates are loaded. 200 "ready", or 503 naming what is not (`/healthz` only says the process
/// answers). Served through nginx and on the metrics listener (`--metrics-listen`).
public enum Readiness {
    /// What keeps the process from serving; empty: ready.
    public static func problems(database: Database, views: Views) -> [String] {
        var problems: [String] = []
        do {
            let migrator = Migrator()
            let version = try migrator.currentVersion(of: database)
            if version != migrator.migrations.count {
                problems.append("the database is at schema version \(version), this build needs \(migrator.migrations.count): run connections migrate")
            }
        } catch {
            database.logger.error("not ready: the database cannot be read", metadata: ["error": "\(error)"])
            problems.append("the database cannot be read (the log says why)")
        }
        if let missing = Views.missing(from: views.templates) { problems.append("templates missing: \(missing)") }
        return problems
    }

    public static func text(_ problems: [String]) -> String {
        problems.isEmpty ? "ready\n" : "not ready: " + problems.joined(separator: "; ") + "\n"
    }

    static func response(_ handler: ConsoleHandler) -> Response {
        let problems = problems(database: handler.database, views: handler.configuration.views)
        guard problems.isEmpty else {
            return Response(status: 503, headers: [("Content-Type", "text/plain; charset=utf-8"), ("Cache-Control", "no-store"), ("Retry-After", "5")],
                            body: .bytes(Array(text(problems).utf8)))
        }
        return Response(contentType: "text/plain; charset=utf-8", body: text(problems))
    }
}
