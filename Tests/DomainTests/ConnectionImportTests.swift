import Foundation
import Storage
import TestSupport
import XCTest
@testable import Domain

/// The connections table's "All columns" export imported back, on either database: unchanged as
/// exported, exactly the edited rows changed field by field, new rows created, a read-only column's
/// edit or another organization's row an invalid row, and all or none.
final class ConnectionImportTests: XCTestCase {
    var location = DatabaseLocation.sqlite(path: "")
    var database: Database!
    var admin: Access!
    var viewerOfOther: Access!
    var folder: URL!
    let inviteURL: @Sendable (String) -> String = { "https://connect.example/j/" + $0 }

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("connection-import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        location = try TestDatabases.empty(in: folder)
        database = try Database(location: location)
        try database.run("INSERT INTO organizations (id, name, name_for_drivers, created_at) VALUES (1, 'Acme', 'Acme', 'x'), (2, 'Other', 'Other', 'x')")
        let accounts = Accounts(database: database)
        let user = try accounts.createUser(email: "admin@acme.test", name: "Ada", password: "long enough password")
        try accounts.setRole(userID: user, organizationID: 1, role: .admin)
        try accounts.setRole(userID: user, organizationID: 2, role: .viewer)
        admin = try XCTUnwrap(accounts.access(userID: user))
        for name in ["Staff", "Fleet"] {
            _ = try CreateConnection(organizationID: 1, ConnectionSettings(name: name, nameForDrivers: "Acme", benefits: [.freeCharging, .discountedCharging],
                                                                           discountPercent: 20, questions: ["Employee ID"])).run(by: admin, in: database)
        }
        try database.run("""
            INSERT INTO connections (org_id, name, status, connection_type, approval_type, visibility, search_code, invite_token, benefits_list,
                                     questions_list, created_at, updated_at)
            VALUES (2, 'Theirs', 'Enabled', 'Standard', 'Manually approve', 'Private', 'ZZZZZZZZ', 'other-token-000000000000000000', 'Free charging', '',
                    '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')
            """)
    }

    override func tearDown() {
        database = nil
        TestDatabases.drop(location)
        try? FileManager.default.removeItem(at: folder)
    }

    /// The table's export of every column, as the page's "All columns" writes it.
    func export() throws -> String {
        var bytes: [UInt8] = []
        _ = try ConnectionExport(database: database, inviteURL: inviteURL)
            .csv(TableState(pageSize: 50), columns: ColumnCatalog.all, organizations: [1, 2], byteOrderMark: true) { bytes += $0 }
        return String(decoding: bytes, as: UTF8.self)
    }

    func plan(_ text: String) throws -> ConnectionPlan {
        try ImportConnections(ImportFile(name: "connections.csv", bytes: Array(text.utf8)), expected: nil, inviteURL: inviteURL).preview(by: admin, in: database)
    }

    func testTheExportReadsBackUnchangedAndAnEditIsExactlyItsFields() throws {
        let exported = try export()
        var asIs = try plan(exported)
        // Another organization's row, which this user only views, is an invalid row, never a silent skip.
        XCTAssertEqual(asIs.invalid.map(\.column), ["Org ID"])
        XCTAssertTrue(asIs.invalid[0].reason.contains("may not change connections of organization 2"), asIs.invalid[0].reason)
        XCTAssertEqual(asIs.unchanged.map(\.name).sorted(), ["Fleet", "Staff"])
        XCTAssertEqual(asIs.new.count + asIs.changed.count, 0)

        let lines = exported.components(separatedBy: "\r\n").filter { !$0.contains("Theirs") }
        var edited = lines.map { $0.hasPrefix("1,Acme,Staff,Enabled") ? $0.replacingOccurrences(of: "1,Acme,Staff,Enabled", with: "1,Acme,Staff,Disabled") : $0 }
        edited.insert("1,Acme,Depot,Enabled,,Free charging,Manually approve,Standard,Plate,Public", at: 1)
        asIs = try plan(edited.joined(separator: "\r\n"))
        XCTAssertEqual(asIs.invalid, [])
        XCTAssertEqual(asIs.changed.map(\.name), ["Staff"])
        XCTAssertEqual(asIs.changed[0].changes, [ConnectionPlan.Change(label: "Connection Status", before: "Enabled", after: "Disabled")])
        XCTAssertEqual(asIs.new.map(\.name), ["Depot"])
        XCTAssertEqual(asIs.unchanged.map(\.name), ["Fleet"])

        let lastEvent = try database.scalarInt("SELECT coalesce(max(id), 0) FROM domain_events")
        _ = try ImportConnections(ImportFile(name: "connections.csv", bytes: Array(edited.joined(separator: "\r\n").utf8)), expected: asIs.digest,
                                  inviteURL: inviteURL).run(by: admin, in: database)
        XCTAssertEqual(try database.query("SELECT name, status, visibility FROM connections WHERE org_id = 1 ORDER BY name") { "\($0.text(0)) \($0.text(1)) \($0.text(2))" },
                       ["Depot Enabled Public", "Fleet Enabled Private", "Staff Disabled Private"])
        XCTAssertEqual(try database.scalarInt("SELECT count(*) FROM connection_benefits WHERE discount_percent = 20"), 2, "a discount not in the edit stays")
        XCTAssertEqual(try DomainEvents(database: database).after(lastEvent).map(\.event.kind), [.connectionCreated, .connectionUpdated, .importCompleted])
        XCTAssertEqual(try database.scalarInt("SELECT count(*) FROM audit_log WHERE action = 'Imported connections'"), 1)
    }

    func testAReadOnlyColumnsEditAndARefusedValueAreInvalidRowsAndNothingIsApplied() throws {
        let lines = try export().components(separatedBy: "\r\n").filter { !$0.contains("Theirs") }
        let header = lines[0]
        let staff = lines.first { $0.hasPrefix("1,Acme,Staff,") }!
        let renamed = staff.replacingOccurrences(of: "1,Acme,Staff,", with: "1,Acme Corp,Staff,")
        let fleet = lines.first { $0.hasPrefix("1,Acme,Fleet,") }!.replacingOccurrences(of: "Manually approve", with: "Automatically approve by email domain")
        let plan = try plan([header, renamed, fleet].joined(separator: "\n"))
        XCTAssertEqual(plan.invalid.map(\.column), ["Org Name", "Approval type"])
        XCTAssertTrue(plan.invalid[0].reason.contains("read-only"), plan.invalid[0].reason)
        XCTAssertThrowsError(try ImportConnections(ImportFile(name: "c.csv", bytes: Array([header, renamed, fleet].joined(separator: "\n").utf8)), expected: nil,
                                                   inviteURL: inviteURL).run(by: admin, in: database))
        XCTAssertEqual(try database.scalarInt("SELECT count(*) FROM audit_log WHERE action = 'Imported connections'"), 0)
        XCTAssertThrowsError(try self.plan("Connection Name,Status\nx,Enabled\n")) {
            XCTAssertTrue(($0 as? UserError)?.message.contains("\"Status\"") ?? false, "\($0)")
        }
    }

    /// export -> LibreOffice (dates become date cells, stored as serial numbers) -> import: nothing changed.
    func testTheExportConvertedByLibreOfficeToXLSXReadsBackUnchanged() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/soffice") else { throw XCTSkip("LibreOffice is not installed") }
        let csv = folder.appendingPathComponent("connections.csv")
        try Data(try export().utf8).write(to: csv)
        let out = folder.appendingPathComponent("out")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/soffice")
        process.arguments = ["-env:UserInstallation=file://\(folder.path)/profile", "--headless", "--infilter=CSV:44,34,76,1,,1033,false,true",
                             "--convert-to", "xlsx", "--outdir", out.path, csv.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let bytes = try [UInt8](Data(contentsOf: out.appendingPathComponent("connections.xlsx")))
        let records = try ImportFile(name: "connections.xlsx", bytes: bytes).records()
        let created = try XCTUnwrap(records[0].firstIndex(of: "Created (UTC)"))
        XCTAssertNotNil(Double(records[1][created]), "LibreOffice stores the date as a serial number: \(records[1][created])")
        let plan = try ImportConnections(ImportFile(name: "connections.xlsx", bytes: bytes), expected: nil, inviteURL: inviteURL).preview(by: admin, in: database)
        XCTAssertEqual(plan.unchanged.map(\.name).sorted(), ["Fleet", "Staff"])
        XCTAssertEqual(plan.new.count + plan.changed.count, 0)
        XCTAssertEqual(plan.invalid.map(\.column), ["Org ID"], "only the other organization's row")
    }
}
