import Foundation
import Storage
import TestSupport
import XCTest
@testable import Domain

/// Files as spreadsheets write them: the roster's own XLSX read back, LibreOffice's conversions of
/// the roster's exports (export -> convert -> import -> nothing changed), and a workbook with
/// several sheets, a formula's cached value and text that starts with `=`.
final class SpreadsheetImportTests: XCTestCase {
    var location = DatabaseLocation.sqlite(path: "")
    var database: Database!
    var admin: Access!
    var connection = 0
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("spreadsheets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        location = try TestDatabases.empty(in: folder)
        database = try Database(location: location)
        try database.run("INSERT INTO organizations (id, name, name_for_drivers, created_at) VALUES (1, 'Acme', 'Acme', 'x')")
        let accounts = Accounts(database: database)
        let user = try accounts.createUser(email: "admin@acme.test", name: "Ada", password: "long enough password")
        try accounts.setRole(userID: user, organizationID: 1, role: .admin)
        admin = try XCTUnwrap(accounts.access(userID: user))
        connection = try CreateConnection(organizationID: 1, ConnectionSettings(name: "Staff", nameForDrivers: "Acme drivers", approval: .manual,
                                                                               benefits: [.freeCharging], questions: ["Employee ID", "Plate"]))
            .run(by: admin, in: database)
        let text = "Email,Name,Employee ID,Plate\nal@acme.example,\"Åsa Öberg; Jr.\",007,\"AB 12\nline two\"\nbo@acme.example,Bo,8,\n"
        _ = try ImportRoster(ImportFile(name: "seed.csv", bytes: Array(text.utf8)), mode: .addAndConnect, connectionID: connection, expected: nil)
            .run(by: admin, in: database)
    }

    override func tearDown() {
        database = nil
        TestDatabases.drop(location)
        try? FileManager.default.removeItem(at: folder)
    }

    func plan(_ bytes: [UInt8], name: String) throws -> RosterPlan {
        try ImportRoster(ImportFile(name: name, bytes: bytes), mode: .replace, connectionID: connection, expected: nil).preview(by: admin, in: database)
    }

    func assertNothingChanges(_ plan: RosterPlan, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(plan.unchanged.map(\.email), ["al@acme.example", "bo@acme.example"], file: file, line: line)
        XCTAssertEqual(plan.new.count + plan.changed.count + plan.removed.count, 0, file: file, line: line)
        XCTAssertEqual(plan.invalid, [], file: file, line: line)
    }

    func testTheRostersOwnXLSXReadsBackUnchanged() throws {
        let path = folder.appendingPathComponent("roster.xlsx").path
        try Roster(database: database).xlsx(connectionID: connection, to: path, temporaryDirectory: folder.path)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let records = try ImportFile(name: "roster.xlsx", bytes: bytes).records()
        XCTAssertEqual(records[0], ["Email", "Name", "State", "Employee ID", "Plate", "Joined", "Decided by"])
        XCTAssertEqual(Array(records[1].prefix(5)), ["al@acme.example", "Åsa Öberg; Jr.", "Connected", "007", "AB 12\nline two"])
        assertNothingChanges(try plan(bytes, name: "roster.xlsx"))
    }

    /// A workbook made by hand: two sheets (the second named "Drivers"), shared and inline strings,
    /// a formula with its cached value, text starting with `=`, an empty row and trailing cells.
    func testSeveralSheetsFormulasCachedValuesAndTextThatLooksLikeAFormula() throws {
        let path = folder.appendingPathComponent("made.xlsx").path
        let script = """
            import zipfile, sys
            z = zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED)
            z.writestr('[Content_Types].xml', '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
            z.writestr('xl/workbook.xml', '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns:r="r"><sheets><sheet name="Notes" sheetId="1" r:id="rId1"/><sheet name="Drivers" sheetId="2" r:id="rId2"/></sheets></workbook>')
            z.writestr('xl/_rels/workbook.xml.rels', '<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Target="worksheets/sheet2.xml"/></Relationships>')
            z.writestr('xl/sharedStrings.xml', '<sst><si><t>Email</t></si><si><r><t>Na</t></r><r><t>me</t></r></si><si><t>=SUM(A1)</t></si><si><t xml:space="preserve">ann@acme.example </t></si></sst>')
            z.writestr('xl/worksheets/sheet1.xml', '<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Just notes</t></is></c></row></sheetData></worksheet>')
            z.writestr('xl/worksheets/sheet2.xml', '<worksheet><sheetData>'
              '<row r="1"><c r="B1" t="s"><v>1</v></c><c r="A1" t="s"><v>0</v></c><c r="C1" t="inlineStr"><is><t>Employee ID</t></is></c><c r="D1"/></row>'
              '<row r="3"><c r="A3" t="s"><v>3</v></c><c r="B3" t="s"><v>2</v></c><c r="C3"><f>40+2</f><v>42</v></c><c r="E3" t="s"/></row>'
              '<row r="4"><c r="A4" t="str"><f>LOWER("BEA@ACME.EXAMPLE")</f><v>bea@acme.example</v></c><c r="B4" t="inlineStr"><is><t>Bea &amp; co</t></is></c></row>'
              '<row r="9"/></sheetData></worksheet>')
            z.close()
            """
        try run("/usr/bin/python3", ["-c", script, path])
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertEqual(try ImportFile(name: "made.xlsx", bytes: bytes).records(), [["Just notes"]], "the first sheet by default")
        let records = try ImportFile(name: "made.xlsx", bytes: bytes, sheet: "drivers").records()
        XCTAssertEqual(records, [["Email", "Name", "Employee ID"], [], ["ann@acme.example ", "=SUM(A1)", "42"], ["bea@acme.example", "Bea & co"]])
        XCTAssertThrowsError(try ImportFile(name: "made.xlsx", bytes: bytes, sheet: "Other").records()) {
            XCTAssertTrue(($0 as? UserError)?.message.contains("it has: Notes, Drivers") ?? false, "\($0)")
        }
    }

    /// export -> LibreOffice -> import: nothing changed, for CSV to XLSX, XLSX to CSV with `;`, and CSV to UTF-16 text.
    func testLibreOfficeConversionsOfTheExportsReadBackUnchanged() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/soffice") else { throw XCTSkip("LibreOffice is not installed") }
        let roster = Roster(database: database)
        let csv = folder.appendingPathComponent("roster.csv")
        try Data(roster.csv(connectionID: connection)).write(to: csv)
        let xlsx = folder.appendingPathComponent("roster.xlsx").path
        try roster.xlsx(connectionID: connection, to: xlsx, temporaryDirectory: folder.path)

        let fromCSV = try convert(csv.path, to: "xlsx", filter: "--infilter=CSV:44,34,76,1,,0,false,true", into: "a")
        assertNothingChanges(try plan(fromCSV, name: "libreoffice.xlsx"))
        let semicolons = try convert(xlsx, to: "csv:Text - txt - csv (StarCalc):59,34,76,1", into: "b")
        XCTAssertTrue(String(decoding: semicolons, as: UTF8.self).replacingOccurrences(of: "\"", with: "").hasPrefix("Email;Name;State"), String(decoding: semicolons.prefix(80), as: UTF8.self))
        assertNothingChanges(try plan(semicolons, name: "libreoffice.csv"))
        let unicodeText = try convert(xlsx, to: "csv:Text - txt - csv (StarCalc):9,34,65535,1", into: "c")
        XCTAssertEqual(Array(unicodeText.prefix(2)), [0xFF, 0xFE], "UTF-16 LE with its byte-order mark")
        assertNothingChanges(try plan(unicodeText, name: "libreoffice.txt"))
    }

    /// Runs LibreOffice headless with its own profile (other test runs may use theirs at once).
    func convert(_ path: String, to format: String, filter: String? = nil, into subfolder: String) throws -> [UInt8] {
        let out = folder.appendingPathComponent(subfolder)
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try run("/usr/bin/soffice", ["-env:UserInstallation=file://\(folder.path)/profile", "--headless"] + (filter.map { [$0] } ?? [])
                + ["--convert-to", format, "--outdir", out.path, path])
        let made = try XCTUnwrap(FileManager.default.contentsOfDirectory(atPath: out.path).first)
        return try [UInt8](Data(contentsOf: out.appendingPathComponent(made)))
    }

    func run(_ executable: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "\(executable) \(arguments)")
    }
}
