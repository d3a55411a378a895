import Foundation
import Storage
import TestSupport
import XCTest
@testable import Domain

/// Webhooks on either database: deliveries written with their event (none for a change refused or
/// rolled back), signed as Standard Webhooks says, sent in order per subscription and connection,
/// retried on the schedule, paused after three days of failures; and the address check.
final class WebhookTests: XCTestCase {
    var location = DatabaseLocation.sqlite(path: "")
    var database: Database!
    var admin: Access!
    let key = InstallationKey.generate()
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

    func subscribe(_ events: [WebhookEventType] = WebhookEventType.subscribable) throws -> (id: Int, secret: String) {
        try CreateWebhook(organizationID: organization, url: "http://127.0.0.1:9/hooks", events: events, key: key, allowPrivate: true)
            .run(by: admin, in: database)
    }

    func connection(_ name: String) throws -> Int {
        try CreateConnection(organizationID: organization, ConnectionSettings(name: name, nameForDrivers: "Acme", benefits: [.freeCharging]))
            .run(by: admin, in: database)
    }

    func deliveries() throws -> [(type: String, body: String, state: String)] {
        try database.query("SELECT event_type, body, state FROM webhook_deliveries ORDER BY id") { (type: $0.text(0), body: $0.text(1), state: $0.text(2)) }
    }

    var lease: OutboxLease { OutboxLease(database: database, holder: "test", duration: 60, queue: .webhooks) }

    /// The Standard Webhooks reference vector (its README and libraries' tests).
    func testSignatureIsTheStandardWebhooksOne() {
        let signature = WebhookSignature.sign(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: Array(#"{"test": 2432232314}"#.utf8),
                                              secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        XCTAssertEqual(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        XCTAssertNil(WebhookSignature.sign(id: "x", timestamp: 1, body: [], secret: "not a secret"))
        let secret = WebhookSignature.newSecret()
        XCTAssertTrue(secret.hasPrefix("whsec_"))
        XCTAssertEqual(WebhookSignature.key(of: secret)?.count, 24)
    }

    func testDeliveriesAreWrittenWithTheirEventOnlyForWhatWasCommitted() throws {
        let wanted = try subscribe([.connectionCreated, .connectionDisabled])
        XCTAssertTrue(wanted.secret.hasPrefix("whsec_"))
        // The secret is stored sealed, never as it is.
        let sealed = try database.query("SELECT secret_sealed FROM webhook_subscriptions") { $0.text(0) }
        XCTAssertFalse(sealed[0].contains(wanted.secret.dropFirst(6)))
        let id = try connection("Staff")
        XCTAssertEqual(try SetConnectionStatus([id], to: .disabled).run(by: admin, in: database), 1)
        _ = try SetConnectionStatus([id], to: .enabled).run(by: admin, in: database)   // not wanted
        let rows = try deliveries()
        XCTAssertEqual(rows.map(\.type), ["connection.created", "connection.disabled"])
        let body = try JSON.parse(Array(rows[1].body.utf8))
        XCTAssertEqual(body["type"]?.string, "connection.disabled")
        XCTAssertEqual(body["version"]?.int, 1)
        XCTAssertEqual(body["data"]?["connection_id"]?.int, id)
        XCTAssertEqual(body["data"]?["name"]?.string, "Staff")
        XCTAssertEqual(body["data"]?["status"]?.string, "Disabled")

        // Refused (the name is taken): no event, no delivery. Rolled back after its event: none either.
        XCTAssertThrowsError(try connection("Staff"))
        XCTAssertThrowsError(try database.transaction(locking: [.organization(organization)]) {
            try DomainEvents(database: database).record(DomainEvent(.connectionCreated, organization: organization, connection: id))
            throw UserError.conflict("rolled back")
        })
        XCTAssertEqual(try deliveries().count, 2)

        // Paused: its events are not delivered meanwhile.
        _ = try ChangeWebhook(wanted.id, .pause).run(by: admin, in: database)
        _ = try connection("Staff 2")
        XCTAssertEqual(try deliveries().count, 2)
    }

    func testMembershipPayloadCarriesWhatAReceiverNeeds() throws {
        _ = try subscribe([.membershipApproved])
        let id = try connection("Staff")
        try database.run("INSERT INTO drivers (id, name, email, created_at) VALUES (7, 'Dee', 'dee@example.com', 'x')")
        try database.run("""
            INSERT INTO memberships (id, connection_id, driver_id, state, requested_at, driver_name)
            VALUES (3, \(p: 1), 7, 'Pending', '2026-12-01T00:00:00Z', 'Dee')
            """, [.init(id)])
        XCTAssertEqual(try Decide(.approve, on: [3]).run(by: admin, in: database), 1)
        let body = try JSON.parse(Array(try XCTUnwrap(try deliveries().first).body.utf8))
        XCTAssertEqual(body["type"]?.string, "membership.approved")
        XCTAssertEqual(body["data"]?["membership_id"]?.int, 3)
        XCTAssertEqual(body["data"]?["driver_email"]?.string, "dee@example.com")
        XCTAssertEqual(body["data"]?["driver_name"]?.string, "Dee")
        XCTAssertEqual(body["data"]?["connection_name"]?.string, "Staff")
        XCTAssertEqual(body["data"]?["state"]?.string, "Connected")
    }

    func testSentInOrderPerConnectionRetriedOnTheScheduleThenFailed() throws {
        let subscription = try subscribe()
        let first = try connection("One")
        _ = try SetConnectionStatus([first], to: .disabled).run(by: admin, in: database)
        let second = try connection("Two")
        let outbox = WebhookOutbox(database: database)
        let policy = WebhookOutbox.RetryPolicy()
        var now = Date()
        // Oldest first; the sender puts back what follows a failure of the same connection.
        func connections(_ messages: [WebhookMessage]) -> [Int?] { messages.map { try? JSON.parse(Array($0.body.utf8))["data"]?["connection_id"]?.int } }
        var claimed = try outbox.claim(limit: 10, lease: lease, key: key, now: now)
        XCTAssertEqual(connections(claimed), [first, first, second])
        XCTAssertEqual(claimed[0].secrets.count, 1)
        XCTAssertEqual(WebhookSignature.key(of: claimed[0].secrets[0]), WebhookSignature.key(of: subscription.secret))
        try outbox.record(.answered(503, body: "busy", latencyMilliseconds: 3, retryAfter: nil), for: claimed[0], lease: lease, policy: policy, now: now)
        try outbox.putBack(claimed[1], lease: lease)
        try outbox.record(.answered(204, body: "", latencyMilliseconds: 2, retryAfter: nil), for: claimed[2], lease: lease, policy: policy, now: now)
        XCTAssertEqual(try outbox.claim(limit: 10, lease: lease, key: key, now: now).count, 0, "retried after 5 s; One's disable waits behind it")
        // 429 with Retry-After: the longer wait of the two.
        now += 5
        claimed = try outbox.claim(limit: 10, lease: lease, key: key, now: now)
        XCTAssertEqual(claimed.map(\.attempts), [2, 1])
        try outbox.record(.answered(429, body: "", latencyMilliseconds: 1, retryAfter: 900), for: claimed[0], lease: lease, policy: policy, now: now)
        try outbox.putBack(claimed[1], lease: lease)
        XCTAssertEqual(try outbox.claim(limit: 10, lease: lease, key: key, now: now + 600).count, 0)
        now += 900
        // Network errors are retried until the schedule ends (8 attempts, about a day), then failed.
        for delay in WebhookOutbox.RetryPolicy.schedule.dropFirst(2) + [0] {
            claimed = try outbox.claim(limit: 10, lease: lease, key: key, now: now)
            XCTAssertEqual(claimed.count, 2)
            try outbox.record(WebhookAttempt(delivered: false, retryable: true, error: "Couldn't connect to server"), for: claimed[0], lease: lease,
                              policy: policy, now: now)
            try outbox.putBack(claimed[1], lease: lease)
            now += delay
        }
        let log = try WebhookSubscriptions(database: database).deliveries(of: subscription.id)
        // Newest first: Two's creation, One's disable (waiting), One's creation (failed).
        XCTAssertEqual(log.map(\.state), [.delivered, .queued, .failed])
        XCTAssertEqual(log[2].attempts, 8)
        XCTAssertEqual(log[2].lastError, "Couldn't connect to server")
        XCTAssertEqual(log[0].responseCode, 204)
        // Once the first failed, the one behind it goes.
        claimed = try outbox.claim(limit: 10, lease: lease, key: key, now: now)
        XCTAssertEqual(claimed.map { try? JSON.parse(Array($0.body.utf8))["type"]?.string }, ["connection.disabled"])
        // A 4xx other than 429 fails at once; Resend queues it again.
        try outbox.record(.answered(410, body: String(repeating: "x", count: 5000), latencyMilliseconds: 1, retryAfter: nil), for: claimed[0],
                          lease: lease, policy: policy, now: now)
        let failed = try XCTUnwrap(try WebhookSubscriptions(database: database).deliveries(of: subscription.id)
            .first { $0.eventType == "connection.disabled" })
        XCTAssertEqual(failed.state, .failed)
        XCTAssertEqual(failed.responseBody?.count, 1024)
        XCTAssertEqual(try ChangeWebhook(subscription.id, .resend(delivery: failed.id)).run(by: admin, in: database), .queued(1))
        XCTAssertEqual(try ChangeWebhook(subscription.id, .resendFailed(since: "2000-01-01T00:00:00Z")).run(by: admin, in: database), .queued(1))
        // Both back in the queue, in their order again: One's creation first.
        XCTAssertEqual(try outbox.claim(limit: 10, lease: lease, key: key, now: now).map { try? JSON.parse(Array($0.body.utf8))["type"]?.string },
                       ["connection.created", "connection.disabled"])
    }

    func testRotationSignsWithBothSecretsForADayAndThreeDaysOfFailuresPause() throws {
        let subscription = try subscribe([.connectionCreated])
        guard case .secret(let newer) = try ChangeWebhook(subscription.id, .rotateSecret(key)).run(by: admin, in: database) else { return XCTFail() }
        XCTAssertNotEqual(newer, subscription.secret)
        _ = try connection("One")
        let outbox = WebhookOutbox(database: database)
        var claimed = try outbox.claim(limit: 10, lease: lease, key: key)
        XCTAssertEqual(claimed[0].secrets, [newer, subscription.secret])
        let header = WebhookSignature.header(id: "msg_1", timestamp: 1, body: [], secrets: claimed[0].secrets)
        XCTAssertEqual(header.split(separator: " ").count, 2)
        try outbox.record(.answered(500, body: "", latencyMilliseconds: 1, retryAfter: nil), for: claimed[0], lease: lease, policy: .init())
        let later = Date().addingTimeInterval(WebhookOutbox.pauseAfterFailing + 86_400)
        claimed = try outbox.claim(limit: 10, lease: lease, key: key, now: later)
        XCTAssertEqual(claimed[0].secrets, [newer], "the old secret signs for 24 hours only")
        try outbox.record(.answered(500, body: "", latencyMilliseconds: 1, retryAfter: nil), for: claimed[0], lease: lease, policy: .init(), now: later)
        XCTAssertEqual(try WebhookSubscriptions(database: database).list(organizations: [organization]).map(\.enabled), [false])
        XCTAssertEqual(try database.query("SELECT action FROM audit_log WHERE action = 'Paused webhook'") { $0.text(0) }.count, 1)
    }

    func testURLsAndAddressesAreChecked() throws {
        XCTAssertNotNil(WebhookSubscriptions.urlProblem("http://hooks.example.com/x", allowPrivate: false))
        XCTAssertNil(WebhookSubscriptions.urlProblem("https://hooks.example.com/x", allowPrivate: false))
        XCTAssertNotNil(WebhookSubscriptions.urlProblem("ftp://hooks.example.com/x", allowPrivate: true))
        XCTAssertNotNil(WebhookSubscriptions.urlProblem("https://user:pw@hooks.example.com/x", allowPrivate: false))
        for address in ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "::",
                        "fe80::1", "fd00:ec2::254", "::ffff:127.0.0.1", "::ffff:169.254.169.254", "ff02::1"] {
            XCTAssertFalse(WebhookAddress.isPublic(address), address)
        }
        for address in ["93.184.216.34", "8.8.8.8", "2606:4700::1111"] { XCTAssertTrue(WebhookAddress.isPublic(address), address) }
        XCTAssertEqual(WebhookAddress.resolve("127.0.0.1", allowPrivate: false), .failure(.privateAddress("127.0.0.1", "127.0.0.1")))
        XCTAssertEqual(WebhookAddress.resolve("localhost", allowPrivate: true).map { $0.allSatisfy { !WebhookAddress.isPublic($0) } }, .success(true))
        // Refused at send time, before any connection.
        let sender = try WebhookSender(timeout: 2, allowPrivate: false)
        let attempt = sender.send(WebhookMessage(id: 1, subscriptionID: 1, connectionKey: 0, messageID: "msg_1", url: "http://127.0.0.1:9/x", body: "{}", attempts: 1,
                                                 createdAt: "", secrets: []))
        XCTAssertFalse(attempt.delivered)
        XCTAssertFalse(attempt.retryable)
        XCTAssertTrue(attempt.error?.contains("--webhooks-allow-private") ?? false)
    }
}
