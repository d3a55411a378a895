import Foundation
import Storage
import TestSupport
import XCTest
@testable import Domain

/// Each command on either database: its rows, its audit entry and exactly its event, all in one
/// transaction; a command that fails (a rule, a stale version, a state) writes no event.
final class CommandEventTests: XCTestCase {
    var location = DatabaseLocation.sqlite(path: "")
    var database: Database!
    var admin: Access!
    let organization = 1

    override func setUpWithError() throws {
        location = try TestDatabases.empty(in: FileManager.default.temporaryDirectory)
        database = try Database(location: location)
        try database.run("INSERT INTO organizations (id, name, name_for_drivers, created_at) VALUES (1, 'Acme', 'Acme', 'x')")
        let accounts = Accounts(database: database)
        let user = try accounts.createUser(email: "admin@acme.test", name: "Ada", password: "long enough password")
        try accounts.setRole(userID: user, organizationID: organization, role: .admin)
        admin = try XCTUnwrap(accounts.access(userID: user))
    }

    override func tearDown() {
        database = nil
        TestDatabases.drop(location)
        if case .sqlite(let path) = location { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
    }

    /// Runs `work` and returns the events and audit actions it wrote.
    func written(_ work: () throws -> Void) throws -> (events: [DomainEvent], audit: [String]) {
        let lastEvent = try database.scalarInt("SELECT coalesce(max(id), 0) FROM domain_events")
        let lastAudit = try database.scalarInt("SELECT coalesce(max(id), 0) FROM audit_log")
        try work()
        let audit = try database.query("SELECT action FROM audit_log WHERE id > \(p: 1) ORDER BY id", [.init(lastAudit)]) { $0.text(0) }
        return (try DomainEvents(database: database).after(lastEvent).map(\.event), audit)
    }

    /// A failing command: it throws, and writes no event and no audit entry.
    func refused<E: Error>(_ type: E.Type, _ work: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) throws {
        var thrown: Error?
        let written = try written { do { try work() } catch { thrown = error } }
        XCTAssertTrue(thrown is E, "threw \(String(describing: thrown))", file: file, line: line)
        XCTAssertEqual(written.events, [], file: file, line: line)
        XCTAssertEqual(written.audit, [], file: file, line: line)
    }

    func settings(_ name: String) -> ConnectionSettings {
        ConnectionSettings(name: name, nameForDrivers: "Acme drivers", approval: .emailDomain, benefits: [.freeCharging, .discountedCharging],
                           discountPercent: 20, emailDomains: ["Acme.example", "@partners.example"], questions: ["Employee ID"])
    }

    func createConnection(_ name: String = "Staff") throws -> Int {
        try CreateConnection(organizationID: organization, settings(name)).run(by: admin, in: database)
    }

    func testCreateAndUpdateConnectionWriteTheirRowsAuditAndEvent() throws {
        var id = 0
        let created = try written { id = try createConnection() }
        XCTAssertEqual(created.audit, ["Created connection"])
        XCTAssertEqual(created.events, [DomainEvent(.connectionCreated, organization: organization, connection: id, payload: ["name": "Staff"])])
        let stored = try XCTUnwrap(ConnectionEditor(database: database).stored(id))
        XCTAssertEqual(stored.settings.emailDomains, ["acme.example", "partners.example"])
        XCTAssertEqual(stored.settings.discountPercent, 20)
        XCTAssertEqual(stored.version, 1)

        var change = UpdateConnection(connectionID: id, version: 1)
        change.name = "Staff North"
        let updated = try written { XCTAssertEqual(try change.run(by: admin, in: database), 2) }
        XCTAssertEqual(updated.audit, ["Changed connection"])
        XCTAssertEqual(updated.events, [DomainEvent(.connectionUpdated, organization: organization, connection: id,
                                                    payload: ["version": 2, "changed": ["name"]])])

        // Stale, or invalid once merged: nothing written, no event.
        try refused(StaleVersion.self) { _ = try change.run(by: admin, in: database) }
        var invalid = UpdateConnection(connectionID: id, version: 2)
        invalid.approval = .manual
        invalid.emailDomains = ["acme.example"]
        try refused(FieldProblems.self) { _ = try invalid.run(by: admin, in: database) }
        XCTAssertThrowsError(try invalid.run(by: admin, in: database)) { error in
            XCTAssertEqual((error as? FieldProblems)?.byField, ["domains": ConnectionSettings.domainsUnkept])
        }
        try refused(FieldProblems.self) { _ = try createConnection("staff north") }
        XCTAssertEqual(try database.scalarInt("SELECT version FROM connections WHERE id = \(p: 1)", [.init(id)]), 2)
    }

    /// A change merges with the stored values: a field alone keeps the linked values it does not touch.
    func testAChangeMergesWithTheStoredValues() throws {
        let id = try createConnection()
        var benefits = UpdateConnection(connectionID: id, version: 1)
        benefits.benefits = [.discountedCharging, .publicCharging]
        _ = try benefits.run(by: admin, in: database)
        var approval = UpdateConnection(connectionID: id, version: 2)
        approval.approval = .emailDomain
        _ = try approval.run(by: admin, in: database)
        var discount = UpdateConnection(connectionID: id, version: 3)
        discount.discountPercent = 35
        _ = try discount.run(by: admin, in: database)
        var domains = UpdateConnection(connectionID: id, version: 4)
        domains.emailDomains = ["fleet.example"]
        _ = try domains.run(by: admin, in: database)
        var stored = try XCTUnwrap(ConnectionEditor(database: database).stored(id)).settings
        XCTAssertEqual(stored.benefits, [.discountedCharging, .publicCharging])
        XCTAssertEqual(stored.discountPercent, 35, "the discount stays with its benefit, and changes alone")
        XCTAssertEqual(stored.emailDomains, ["fleet.example"], "domains change alone, and stay with their approval type")
        // What no longer keeps them takes them along; what needs them refuses to go without.
        var manual = UpdateConnection(connectionID: id, version: 5)
        manual.approval = .manual
        manual.benefits = [.freeCharging]
        _ = try manual.run(by: admin, in: database)
        stored = try XCTUnwrap(ConnectionEditor(database: database).stored(id)).settings
        XCTAssertEqual(stored.emailDomains, [])
        XCTAssertNil(stored.discountPercent)
        var byDomain = UpdateConnection(connectionID: id, version: 6)
        byDomain.approval = .emailDomain
        XCTAssertThrowsError(try byDomain.run(by: admin, in: database)) { error in
            XCTAssertEqual((error as? FieldProblems)?.byField, ["domains": "List the email domains to approve, like example.com."])
        }
    }

    func testStatusRotationAndDeletionEmitTheirEvents() throws {
        let id = try createConnection()
        let disabled = try written { XCTAssertEqual(try SetConnectionStatus([id], to: .disabled).run(by: admin, in: database), 1) }
        XCTAssertEqual(disabled.audit, ["Disabled connection"])
        XCTAssertEqual(disabled.events, [DomainEvent(.connectionStatusChanged, organization: organization, connection: id, payload: ["status": "Disabled"])])
        XCTAssertEqual(try written { _ = try SetConnectionStatus([id], to: .disabled).run(by: admin, in: database) }.events, [], "no change, no event")

        let code = try database.query("SELECT search_code FROM connections WHERE id = \(p: 1)", [.init(id)]) { $0.text(0) }
        let rotated = try written { try RotateInvite(.code, connectionID: id).run(by: admin, in: database) }
        XCTAssertNotEqual(try database.query("SELECT search_code FROM connections WHERE id = \(p: 1)", [.init(id)]) { $0.text(0) }, code)
        XCTAssertEqual(rotated.audit, ["Rotated search code"])
        XCTAssertEqual(rotated.events, [DomainEvent(.inviteRotated, organization: organization, connection: id, payload: ["what": "code"])])

        let deleted = try written { try DeleteConnection(id).run(by: admin, in: database) }
        XCTAssertEqual(try database.scalarInt("SELECT count(*) FROM connections"), 0)
        XCTAssertEqual(deleted.audit, ["Deleted connection"])
        XCTAssertEqual(deleted.events, [DomainEvent(.connectionDeleted, organization: organization, connection: id, payload: ["name": "Staff"])])
        try refused(UserError.self) { try DeleteConnection(id).run(by: admin, in: database) }
    }

    func testABulkStatusChangeAndItsUndoEmitAnEventPerRowChanged() throws {
        let (first, second) = (try createConnection("Staff"), try createConnection("Guests"))
        _ = try SetConnectionStatus([second], to: .disabled).run(by: admin, in: database)
        let session = String(repeating: "a", count: 64)
        var bulk = 0
        let disabled = try written { bulk = try SetConnectionStatusInBulk([first, second], to: .disabled, sessionHash: session).run(by: admin, in: database) }
        XCTAssertEqual(disabled.audit, ["Disabled connection"], "the one already disabled is skipped")
        XCTAssertEqual(disabled.events, [DomainEvent(.connectionStatusChanged, organization: organization, connection: first, payload: ["status": "Disabled"])])
        XCTAssertEqual(try database.query("SELECT outcome FROM bulk_changes") { $0.text(0) }, ["Disabled 1 connection. Skipped 1: already disabled."])
        try refused(UserError.self) { try UndoBulkStatusChange(bulk, sessionHash: String(repeating: "b", count: 64)).run(by: admin, in: database) }
        let undone = try written { try UndoBulkStatusChange(bulk, sessionHash: session).run(by: admin, in: database) }
        XCTAssertEqual(undone.audit, ["Enabled connection", "Undid a bulk change"])
        XCTAssertEqual(undone.events, [DomainEvent(.connectionStatusChanged, organization: organization, connection: first, payload: ["status": "Enabled"])])
        try refused(UserError.self) { try UndoBulkStatusChange(bulk, sessionHash: session).run(by: admin, in: database) }
    }

    func testARequestItsDecisionsAndAskingAgainEmitTheirEvents() throws {
        let id = try createConnection()
        let requests = JoinRequests(database: database)
        let joinable = try XCTUnwrap(requests.joinable(token: try database.query("SELECT invite_token FROM connections") { $0.text(0) }[0]))
        let form = JoinForm(name: "Dee", email: "dee@elsewhere.example", answers: ["42"], agreedToTerms: true)
        var outcome: JoinOutcome?
        let requested = try written { outcome = try RequestToJoin(form, to: joinable).run(from: .init(address: "192.0.2.7", formToken: "form-" + UUID().uuidString), with: requests) }
        guard case .created(let statusToken)? = outcome else { return XCTFail("\(String(describing: outcome))") }
        let membership = try database.scalarInt("SELECT id FROM memberships")
        XCTAssertEqual(requested.audit, [])
        XCTAssertEqual(requested.events, [DomainEvent(.driverRequested, organization: organization, connection: id, membership: membership,
                                                      payload: ["state": "Pending"])])

        try refused(UserError.self) { _ = try Decide(.remove, on: [membership]).run(by: admin, in: database) }
        let approved = try written { XCTAssertEqual(try Decide(.approve, on: [membership]).run(by: admin, in: database), 1) }
        XCTAssertEqual(try database.query("SELECT state FROM memberships") { $0.text(0) }, ["Connected"])
        XCTAssertEqual(approved.audit, ["Approved driver"])
        XCTAssertEqual(approved.events, [DomainEvent(.requestApproved, organization: organization, connection: id, membership: membership,
                                                     payload: ["state": "Connected"])])
        let removed = try written { _ = try Decide(.remove, on: [membership]).run(by: admin, in: database) }
        XCTAssertEqual(removed.audit, ["Removed driver"])
        XCTAssertEqual(removed.events.map(\.kind), [.driverRemoved])

        let asked = try written {
            try AskAgain(statusToken: statusToken, form, questions: joinable.questions).run(from: .init(address: "192.0.2.7", formToken: "form-" + UUID().uuidString), with: requests)
        }
        XCTAssertEqual(asked.events, [DomainEvent(.driverAskedAgain, organization: organization, connection: id, membership: membership,
                                                  payload: ["state": "Pending"])])
        let denied = try written { _ = try Decide(.deny(reason: "Not staff"), on: [membership]).run(by: admin, in: database) }
        XCTAssertEqual(denied.audit, ["Denied driver"])
        XCTAssertEqual(denied.events, [DomainEvent(.requestDenied, organization: organization, connection: id, membership: membership,
                                                   payload: ["state": "Denied", "reason": "Not staff"])])
        try refused(UserError.self) { _ = try Decide(.deny(reason: " "), on: [membership]).run(by: admin, in: database) }
    }

    /// With email set up, a request whose domain is on the allow-list waits for its confirmation link;
    /// opening it connects the driver: the same event as a host's approval, saying by what.
    func testAnEmailConfirmationThatConnectsEmitsTheApproval() throws {
        let id = try createConnection()
        let requests = JoinRequests(database: database, emailEnabled: true)
        let joinable = try XCTUnwrap(requests.joinable(token: try database.query("SELECT invite_token FROM connections") { $0.text(0) }[0]))
        let form = JoinForm(name: "Al", email: "al@acme.example", answers: ["7"], agreedToTerms: true)
        _ = try RequestToJoin(form, to: joinable).run(from: .init(address: "192.0.2.8", formToken: "form-" + UUID().uuidString), with: requests)
        let membership = try database.scalarInt("SELECT id FROM memberships")
        let token = try XCTUnwrap(database.transaction(locking: []) { try EmailConfirmations(database: database).issue(membership: membership, now: Date()) })
        let confirmed = try written { _ = try EmailConfirmations(database: database).confirm(token: token) }
        XCTAssertEqual(confirmed.audit, ["Driver confirmed email"])
        XCTAssertEqual(confirmed.events, [DomainEvent(.requestApproved, organization: organization, connection: id, membership: membership,
                                                      payload: ["state": "Connected", "by": "email confirmation"])])
    }

    func testUserCommandsEmitTheirEvents() throws {
        let accounts = Accounts(database: database)
        let member = try accounts.createUser(email: "vic@acme.test", name: "Vic", password: "long enough password")
        try accounts.setRole(userID: member, organizationID: organization, role: .viewer)

        let invited = try written { _ = try InviteUser(email: "new@acme.test", role: .viewer, to: organization).run(by: admin, in: database) }
        let invitation = try database.scalarInt("SELECT id FROM user_invitations")
        XCTAssertEqual(invited.audit, ["User invited"])
        XCTAssertEqual(invited.events, [DomainEvent(.userInvited, organization: organization, payload: ["invitation": .int(invitation), "role": "Viewer"])])
        try refused(UserError.self) { _ = try InviteUser(email: "vic@acme.test", role: .viewer, to: organization).run(by: admin, in: database) }
        let revoked = try written { _ = try RevokeInvitation(invitation, in: organization).run(by: admin, in: database) }
        XCTAssertEqual(revoked.events, [DomainEvent(.invitationRevoked, organization: organization, payload: ["invitation": .int(invitation)])])

        let changed = try written { _ = try ChangeRole(of: member, in: organization, to: .connectionsOfficer).run(by: admin, in: database) }
        XCTAssertEqual(changed.audit, ["Role changed"])
        XCTAssertEqual(changed.events, [DomainEvent(.roleChanged, organization: organization, user: member,
                                                    payload: ["before": "Viewer", "after": "Connections officer"])])
        let removed = try written { _ = try RemoveMember(member, from: organization).run(by: admin, in: database) }
        XCTAssertEqual(removed.audit, ["User removed"])
        XCTAssertEqual(removed.events, [DomainEvent(.userRemoved, organization: organization, user: member, payload: ["role": "Connections officer"])])
        try refused(UserError.self) { _ = try RemoveMember(member, from: organization).run(by: admin, in: database) }
    }

    func testInvitesAndExportsEmitTheirEvents() throws {
        let id = try createConnection()
        let sent = try written { XCTAssertEqual(try SendInvites("a@x.example, b@x.example; nope", connectionID: id).run(by: admin, in: database).addresses.count, 2) }
        XCTAssertEqual(try database.scalarInt("SELECT count(*) FROM outbox WHERE kind = 'invite'"), 2)
        XCTAssertEqual(sent.audit, ["Invited drivers by email"])
        XCTAssertEqual(sent.events, [DomainEvent(.invitesSent, organization: organization, connection: id, payload: ["invited": 2])])
        try refused(UserError.self) { _ = try SendInvites("nope", connectionID: id).run(by: admin, in: database) }

        let audit = ExportAudit(by: admin, organizationID: nil, format: .csv, columns: Array(ColumnCatalog.all.prefix(2)), filters: FilterSet(),
                                rowCount: { "\($0)" })
        var entry = 0
        let started = try written { entry = try StartExport(audit, organizations: [organization]).run(by: admin, in: database) }
        XCTAssertEqual(started.audit, [ExportAudit.action])
        XCTAssertEqual(started.events, [DomainEvent(.exportStarted, organization: organization, payload: ["format": "CSV", "audit_entry": .int(entry)])])
    }

    /// Events are read after an id, oldest first, for the organizations asked.
    func testEventsAreReadAfterAnIdByOrganization() throws {
        try database.run("INSERT INTO organizations (id, name, name_for_drivers, created_at) VALUES (2, 'Other', 'Other', 'x')")
        try Accounts(database: database).setRole(userID: admin.userID, organizationID: 2, role: .admin)
        admin = try XCTUnwrap(Accounts(database: database).access(userID: admin.userID))
        let first = try createConnection("One")
        let second = try CreateConnection(organizationID: 2, settings("Two")).run(by: admin, in: database)
        let third = try createConnection("Three")
        let all = try DomainEvents(database: database).after(0)
        XCTAssertEqual(all.map(\.event.connectionID), [first, second, third])
        XCTAssertEqual(try DomainEvents(database: database).after(all[0].id, organizations: [organization]).map(\.event.connectionID), [third])
        XCTAssertEqual(try DomainEvents(database: database).after(0, organizations: [2]).map(\.event.connectionID), [second])
        XCTAssertEqual(try DomainEvents(database: database).after(0, limit: 2).count, 2)
        XCTAssertFalse(all[0].occurredAt.isEmpty)
    }
}
