import ArgumentParser
import Foundation
import Storage

struct Copy: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Move an embedded installation (a SQLite file) to an empty PostgreSQL database.",
        discussion: "Every table is copied in one transaction; row counts and the connections' counters are checked before it commits.")

    @Option(help: "The SQLite file to copy.")
    var from: String

    @Option(help: "The PostgreSQL database to fill (a libpq URI, postgres://user@host:port/db); it must be empty.")
    var to: String

    func run() throws {
        guard case .postgres = DatabaseLocation(to) else { throw ValidationError("--to must be a postgres:// or postgresql:// URI") }
        guard FileManager.default.fileExists(atPath: from) else { throw StartupError(description: "\(from) does not exist") }
        let started = Date()
        let summary: DatabaseCopy.Summary
        do {
            let source = try Database(path: from, readOnly: false)
            let target = try Database(location: DatabaseLocation(to), statementTimeoutMilliseconds: 0)
            summary = try DatabaseCopy(from: source, to: target).run { print($0) }
        } catch let error as StorageError {
            throw StartupError(description: error.message)
        }
        print("Copied \(summary.rows.formatted()) rows of \(summary.rowsByTable.count) tables from \(from) to \(DatabaseLocation(to)) "
              + "in \(String(format: "%.1f", Date().timeIntervalSince(started))) s; row counts and counters checked.")
    }
}
