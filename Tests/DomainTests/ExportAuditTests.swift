import Foundation
import Storage
import TestSupport
import XCTest
@testable import Domain

/// An export is audited when it starts, so one whose process dies leaves an entry that "did not
/// finish"; its end completes the same entry with the row count.
final class ExportAuditTests: XCTestCase {
    var location = DatabaseLocation.sqlite(path: "")

    override func setUpWithError() throws {
        location = try TestDatabases.empty(in: FileManager.default.temporaryDirectory)
    }

    override func tearDown() {
        TestDatabases.drop(location)
        if case .sqlite(let path) = location { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
    }

    func testTheEntryIsWrittenAtTheStartAndCompletedAtTheEnd() throws {
        let database = try Database(location: location)
        let user = try Accounts(database: database).createUser(email: "a@acme.test", name: "A", password: "long enough password")
        let access = try XCTUnwrap(Accounts(database: database).access(userID: user))
        let audit = ExportAudit(by: access, organizationID: nil, format: .csv, columns: Array(ColumnCatalog.all.prefix(2)),
                                filters: FilterSet(), rowCount: { "\($0)" })
        func entries() throws -> [String] {
            try database.query("SELECT action, subject, details FROM audit_log ORDER BY id") { "\($0.text(0)) | \($0.text(1)) | \($0.text(2))" }
        }
        let entry = try audit.start(in: database)
        let started = try entries()
        XCTAssertEqual(started.count, 1)
        XCTAssertTrue(started[0].hasPrefix("Exported connections | CSV, did not finish | "), started[0])
        XCTAssertTrue(started[0].contains("\"filters\":\"none\"") && !started[0].contains("rows"), started[0])

        try audit.finish(entry, ConnectionExport.Outcome(rows: 10, complete: true, problem: nil), in: database)
        let finished = try entries()
        XCTAssertEqual(finished.count, 1, "the same entry, completed")
        XCTAssertTrue(finished[0].hasPrefix("Exported connections | 10 rows as CSV | "), finished[0])
        XCTAssertTrue(finished[0].contains("\"complete\":\"yes\"") && finished[0].contains("\"rows\":\"10\""), finished[0])

        // An entry that could not be written at the start is written whole at the end.
        try audit.finish(nil, ConnectionExport.Outcome(rows: 3, complete: false, problem: "cut"), in: database)
        XCTAssertTrue(try entries()[1].contains("3 rows as CSV"))
    }
}
