import Domain
import XCTest

final class ConnectionDraftTests: XCTestCase {
    func draft(_ change: (inout ConnectionDraft) -> Void) -> ConnectionDraft {
        var draft = ConnectionDraft()
        draft.organizationID = "1"
        draft.nameForDrivers = "Acme"
        draft.name = "Staff"
        draft.benefits = ["Free charging"]
        change(&draft)
        return draft
    }

    /// What the form reports: the text it could not read, and the rules (`ConnectionSettings.problems`) on the rest.
    func problems(_ draft: ConnectionDraft) -> [String: String] {
        let (_, settings, unreadable) = draft.parsed()
        return settings.problems(nameTaken: { $0 == "Taken" }).merging(unreadable) { $1 }
    }

    func testAValidDraftBecomesAConnection() throws {
        let draft = draft { $0.approval = "Automatically approve by email domain"; $0.emailDomains = "Acme.example, @partners.acme.example\nacme.example" }
        XCTAssertEqual(problems(draft), [:])
        let (organization, valid, _) = draft.parsed()
        XCTAssertEqual(organization, 1)
        XCTAssertEqual(valid.emailDomains, ["acme.example", "partners.acme.example"])
        XCTAssertEqual(valid.storedBenefits, [Benefit(.freeCharging)])
    }

    func testEachRuleHasItsMessage() {
        XCTAssertNotNil(problems(draft { $0.name = "Taken" })["name"])
        XCTAssertNotNil(problems(draft { $0.name = String(repeating: "x", count: 101) })["name"])
        XCTAssertNotNil(problems(draft { $0.type = "Rocket" })["type"])
        XCTAssertNotNil(problems(draft { $0.benefits = [] })["benefits"])
        XCTAssertNotNil(problems(draft { $0.benefits = ["Discounted charging"]; $0.discountPercent = "0" })["discount"])
        XCTAssertNil(problems(draft { $0.benefits = ["Discounted charging"]; $0.discountPercent = "100" })["discount"])
        XCTAssertNotNil(problems(draft { $0.approval = "Automatically approve by email domain"; $0.emailDomains = "" })["domains"])
        XCTAssertNotNil(problems(draft { $0.approval = "Automatically approve by email domain"; $0.emailDomains = "-bad-.example" })["domains"])
        XCTAssertNotNil(problems(draft { $0.questions = ["ID", "id"] })["questions"])
        XCTAssertNotNil(problems(draft { $0.questions = (1...21).map { "Question \($0)" } })["questions"])
        XCTAssertNil(problems(draft { $0.questions = (1...20).map { "Question \($0)" } })["questions"])
        XCTAssertNil(problems(draft { $0.approval = "Manually approve"; $0.emailDomains = "not checked when unused" })["domains"])
    }
}
