import Foundation

/// Moves an embedded installation (a SQLite file) to PostgreSQL: every table, in one transaction
/// on the target, which must be empty. Row counts and the membership counters are checked before
/// the commit, so a copy is whole or nothing.
public struct DatabaseCopy {
    let source: Database
    let target: Database

    public init(from source: Database, to target: Database) {
        precondition(source.dialect == .sqlite && target.dialect == .postgres, "copies SQLite to PostgreSQL")
        self.source = source
        self.target = target
    }

    public struct Summary: Sendable {
        public let rowsByTable: [(table: String, rows: Int)]
        public var rows: Int { rowsByTable.reduce(0) { $0 + $1.rows } }
    }

    /// Rows between two progress lines.
    static let progressInterval = 100_000

    public func run(progress: (String) -> Void) throws -> Summary {
        // The file is left as it is (it is the way back): one of an older release is migrated by that
        // release's successor first, as `serve` would.
        let migrator = Migrator()
        guard try migrator.currentVersion(of: source) == migrator.migrations.count else {
            throw StorageError(code: 1, message: "\(source.location) is at schema version \(try migrator.currentVersion(of: source)), "
                               + "this program's is \(migrator.migrations.count): run `connections migrate --database \(source.location)` first", sql: nil)
        }
        try migrator.migrate(target)
        let filled = try PostgresSchema.tablesInCopyOrder.filter { $0 != "installation_secrets" }.compactMap { table -> String? in
            let rows = try target.scalarInt("SELECT count(*) FROM (SELECT 1 FROM \(raw: table) LIMIT 1) AS any_row")
            return rows > 0 ? table : nil
        }
        guard filled.isEmpty else {
            throw StorageError(code: 1, message: "\(target.location) is not empty (\(filled.prefix(3).joined(separator: ", ")) hold rows); "
                               + "copy into a new, empty database", sql: nil)
        }
        var copied: [(table: String, rows: Int)] = []
        // Every table as of one moment, should the app still be writing the file.
        try source.execute("BEGIN")
        defer { try? source.execute("COMMIT") }
        try target.transaction(locking: []) {  // a new, empty database nobody else writes
            // A million rows take longer than a page's statement may.
            try target.execute("SET LOCAL statement_timeout = 0")
            // The counters arrive with their rows; the trigger would count every membership twice.
            try target.execute("ALTER TABLE memberships DISABLE TRIGGER memberships_count_insert")
            // So do the overview's figures (migration 16).
            for (name, table) in OverviewRollupSQL.postgresTriggers.map({ ($0.name, $0.table) }) {
                try target.execute("ALTER TABLE \(table) DISABLE TRIGGER \(name)")
            }
            // The source's key, so that forms and links it signed stay good.
            try target.execute("DELETE FROM installation_secrets")
            for table in PostgresSchema.tablesInCopyOrder {
                copied.append((table, try copyTable(table, progress: progress)))
            }
            try target.execute("ALTER TABLE memberships ENABLE TRIGGER memberships_count_insert")
            for (name, table) in OverviewRollupSQL.postgresTriggers.map({ ($0.name, $0.table) }) {
                try target.execute("ALTER TABLE \(table) ENABLE TRIGGER \(name)")
            }
            for table in PostgresSchema.tablesInCopyOrder where try hasIdentity(table) {
                _ = try target.scalar("SELECT setval(pg_get_serial_sequence('\(raw: table)', 'id'), coalesce(max(id), 0) + 1, false) FROM \(raw: table)")
            }
            try check(copied)
        }
        // VACUUM as well as ANALYZE: COPY leaves every page's visibility unknown, so until the
        // visibility map is set, counts read the whole table instead of an index alone.
        progress("copy: vacuuming and analyzing")
        try target.withoutStatementTimeout { try target.execute("VACUUM (ANALYZE)") }
        return Summary(rowsByTable: copied)
    }

    private func copyTable(_ table: String, progress: (String) -> Void) throws -> Int {
        let columns = try source.query("SELECT name FROM pragma_table_info(\(p: 1)) ORDER BY cid", [.text(table)]) { $0.text(0) }
        let total = try source.scalarInt("SELECT count(*) FROM \(raw: table)")
        progress("copy: \(table), \(total.formatted()) rows")
        let rows = try source.prepare("SELECT \(raw: columns.joined(separator: ", ")) FROM \(raw: table)")
        var count = 0
        try target.copy(into: table, columns: columns) { writer in
            while try rows.step() {
                for column in columns.indices { try writer.append(rows, column: Int32(column)) }
                try writer.endRow()
                count += 1
                if count % Self.progressInterval == 0 { progress("copy: \(table), \(count.formatted()) of \(total.formatted()) rows") }
            }
        }
        return count
    }

    private func hasIdentity(_ table: String) throws -> Bool {
        try target.scalarInt("SELECT count(*) FROM information_schema.columns WHERE table_name = \(p: 1) AND column_name = 'id' AND is_identity = 'YES'",
                             [.text(table)]) > 0
    }

    /// Every table holds as many rows as the source's, and every connection's counters agree with its memberships.
    private func check(_ copied: [(table: String, rows: Int)]) throws {
        for (table, rows) in copied {
            let stored = try target.scalarInt("SELECT count(*) FROM \(raw: table)")
            guard stored == rows else {
                throw StorageError(code: 1, message: "copy check failed: \(table) holds \(stored) rows on the target, \(rows) were read", sql: nil)
            }
        }
        let wrong = try target.scalarInt("""
            SELECT count(*) FROM connections c LEFT JOIN (
                SELECT connection_id, count(*) FILTER (WHERE state = 'Connected') AS connected, count(*) FILTER (WHERE state = 'Pending') AS pending
                FROM memberships GROUP BY connection_id) m ON m.connection_id = c.id
            WHERE c.connected_drivers <> coalesce(m.connected, 0) OR c.pending_requests <> coalesce(m.pending, 0)
            """)
        guard wrong == 0 else {
            throw StorageError(code: 1, message: "copy check failed: \(wrong) connections' Connected Drivers or Pending Requests disagree with their memberships", sql: nil)
        }
    }
}
