import CSQLite
import Foundation

/// SQLite's online backup API (sqlite3_backup_*): a consistent copy of a database that the app
/// keeps serving and writing meanwhile. In WAL mode the copy reads one snapshot in one step, so
/// writers are never blocked and never restart it; every write committed before it began is in it.
public enum OnlineBackup {
    /// Copies `database` (SQLite) to a new file at `path`, written beside it and renamed when whole
    /// and checked: a failed backup never leaves a partial file under `path`. Returns its size in pages.
    @discardableResult
    public static func backup(_ database: Database, to path: String) throws -> Int {
        guard FileManager.default.fileExists(atPath: path) == false else {
            throw StorageError(code: SQLITE_CANTOPEN, message: "\(path) exists already: back up to a new file", sql: nil)
        }
        let partial = path + ".partial"
        try? FileManager.default.removeItem(atPath: partial)
        do {
            let copy = try Database(path: partial)
            let pages = try copyPages(from: database.handle, to: copy.handle)
            try check(copy, what: "the backup")
            try copy.execute("PRAGMA journal_mode = DELETE")
            guard rename(partial, path) == 0 else {
                throw StorageError(code: SQLITE_CANTOPEN, message: "cannot rename \(partial) to \(path): \(String(cString: strerror(errno)))", sql: nil)
            }
            return pages
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
    }

    /// Copies the backup at `path` into `database`, which must be new (no tables): a restore never
    /// mixes with what a database holds. The caller migrates afterwards (an older backup's schema).
    public static func restore(_ database: Database, from path: String) throws {
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw StorageError(code: SQLITE_CANTOPEN, message: "\(path) cannot be read", sql: nil)
        }
        let source = try Database(path: path, readOnly: true)
        try check(source, what: path)
        guard try database.scalarInt("SELECT count(*) FROM sqlite_master") == 0 else {
            throw StorageError(code: SQLITE_CANTOPEN, message: "\(database.path) is not empty: restore into a new installation "
                               + "(a new --database path), then put it in place of the old one", sql: nil)
        }
        try copyPages(from: source.handle, to: database.handle)
        try database.execute(Database.durableWrites)
    }

    /// All pages in one step: one read snapshot of the source (WAL lets writers go on meanwhile).
    @discardableResult
    private static func copyPages(from source: OpaquePointer, to destination: OpaquePointer) throws -> Int {
        guard let backup = sqlite3_backup_init(destination, "main", source, "main") else {
            throw StorageError(code: sqlite3_extended_errcode(destination), message: "backup: \(String(cString: sqlite3_errmsg(destination)))", sql: nil)
        }
        var rc = SQLITE_OK
        // Busy or locked: another connection holds a lock this step needs for a moment; try again.
        for _ in 0..<600 {
            rc = sqlite3_backup_step(backup, -1)
            guard rc == SQLITE_BUSY || rc == SQLITE_LOCKED else { break }
            usleep(50_000)
        }
        let pages = Int(sqlite3_backup_pagecount(backup))
        let finished = sqlite3_backup_finish(backup)
        guard rc == SQLITE_DONE, finished == SQLITE_OK else {
            throw StorageError(code: rc == SQLITE_DONE ? finished : rc, message: "backup: \(String(cString: sqlite3_errmsg(destination)))", sql: nil)
        }
        return pages
    }

    /// quick_check and foreign_key_check: a copy that fails them is not a backup.
    private static func check(_ database: Database, what: String) throws {
        let quick = try database.query("PRAGMA quick_check") { $0.text(0) }
        guard quick == ["ok"] else {
            throw StorageError(code: SQLITE_CORRUPT, message: "\(what) fails quick_check: \(quick.prefix(3).joined(separator: "; "))", sql: nil)
        }
        let orphans = try database.foreignKeyProblems()
        guard orphans.isEmpty else {
            throw StorageError(code: SQLITE_CONSTRAINT, message: "\(what) has rows without parents: \(orphans.prefix(3).joined(separator: "; "))", sql: nil)
        }
    }
}
