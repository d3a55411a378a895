import Domain
import FastCGI
import Foundation
import Storage
import XCTest
@testable import Web

/// Writes lock what their rule reads (`LockKey`): on PostgreSQL, writers of different connections
/// run side by side and writers of one connection take turns; on both databases every
/// count-then-write rule holds under concurrent requests.
final class WriteLockTests: XCTestCase, DriverFixtures {
    var made = 0

    /// A request to join meets the connection's status as it is when the request is written, not
    /// as it was when the join page was read.
    func testAJoinMeetsTheStatusItsConnectionHasNow() throws {
        let client = try TestClient()
        let connection = try makeConnection(client)
        let requests = JoinRequests(database: client.handler.database)
        let joinable = try XCTUnwrap(try requests.joinable(token: connection.token))
        XCTAssertEqual(joinable.status, .enabled)
        // Disabled a moment after the page was read (another Admin, another process).
        try client.otherConnection().run("UPDATE connections SET status = 'Disabled' WHERE id = \(p: 1)", [.init(connection.id)])
        let request = JoinForm(name: "Late Driver", email: "late@example.test", answers: [], agreedToTerms: true)
        XCTAssertThrowsError(try RequestToJoin(request, to: joinable).run(from: .init(address: "192.0.2.1", formToken: Self.formToken()), with: requests)) { error in
            guard case .conflict(let message)? = error as? UserError else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("is not taking new drivers right now"), message)
        }
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM memberships WHERE connection_id = \(p: 1)", [.init(connection.id)]), 0)
    }

    /// PostgreSQL: a transaction on one connection does not hold up a join to another; a join to
    /// the same connection waits for it, and answers busy (503, Retry-After) after the busy timeout.
    /// SQLite has one writer at a time by design: there the other connection's join waits too.
    func testWritersOfDifferentConnectionsDoNotWaitForEachOther() throws {
        let client = try TestClient(busyTimeoutMilliseconds: 300)
        let postgres = client.handler.database.dialect == .postgres
        let held = try makeConnection(client), other = try makeConnection(client)
        nonisolated(unsafe) let holder = try client.otherConnection()
        let started = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        Thread {
            try? holder.transaction(locking: [.connection(held.id)]) {
                started.signal()
                release.wait()
            }
            done.signal()
        }.start()
        started.wait()
        let begun = Date()
        let sideBySide = join(client, other.token, email: "side.by.side@example.test")
        if postgres {
            XCTAssertEqual(sideBySide.status, 303)
            XCTAssertLessThan(Date().timeIntervalSince(begun), 0.25, "no wait for another connection's transaction")
        } else {
            XCTAssertEqual(sideBySide.status, 503, "SQLite: one writer, whichever connection it writes")
        }
        let waited = join(client, held.token, email: "takes.turns@example.test")
        XCTAssertEqual(waited.status, 503)
        XCTAssertEqual(client.header(waited, "Retry-After"), String(ErrorPresentation.busyRetrySeconds))
        release.signal()
        done.wait()
        XCTAssertEqual(join(client, held.token, email: "takes.turns@example.test").status, 303)
    }

    /// Concurrent requests, each on its own database connection as on several workers and hosts:
    /// the per-connection and per-address limits admit exactly their number, and one address
    /// joining several connections at once makes one driver.
    func testConcurrentJoinsKeepEveryLimitAndMakeOneDriverPerAddress() throws {
        let client = try TestClient()
        let one = try makeConnection(client)
        let spread = try (0..<4).map { _ in try makeConnection(client) }
        let policy = JoinLimits.Policy(perAddress: 10, perConnection: 12)
        let joinables = try ([one] + spread).map { try XCTUnwrap(try JoinRequests(database: client.handler.database).joinable(token: $0.token)) }
        let outcomes = Outcomes()
        let workers = 8
        let group = DispatchGroup()
        for worker in 0..<workers {
            let database = try client.otherConnection()
            nonisolated(unsafe) let requests = JoinRequests(database: database, limits: policy)
            group.enter()
            Thread {
                defer { group.leave() }
                for n in 0..<4 {
                    let attempts: [(Joinable, String, String)] = [
                        // All to one connection, each from its own address: the connection's limit.
                        (joinables[0], "10.1.\(worker).\(n)", "crowd-\(worker)-\(n)@example.test"),
                        // To four connections from one address: the address's limit.
                        (joinables[1 + n], "192.0.2.77", "spread-\(worker)-\(n)@example.test"),
                    ]
                    for (joinable, address, email) in attempts {
                        let request = JoinForm(name: "Racer", email: email, answers: [], agreedToTerms: true)
                        outcomes.add(joinable.connectionID == joinables[0].connectionID ? "one" : "spread", Result {
                            try RequestToJoin(request, to: joinable).run(from: .init(address: address, formToken: Self.formToken()), with: requests)
                        })
                    }
                }
                // The same address joining every spread connection at the same moment.
                if worker < 4 {
                    let request = JoinForm(name: "Same Driver", email: "same.driver@example.test", answers: [], agreedToTerms: true)
                    outcomes.add("same", Result {
                        try RequestToJoin(request, to: joinables[1 + worker]).run(from: .init(address: "10.2.0.\(worker)", formToken: Self.formToken()), with: requests)
                    })
                }
            }.start()
        }
        group.wait()
        XCTAssertEqual(outcomes.created("one"), 12, outcomes.failures("one"))
        XCTAssertEqual(outcomes.limited("one"), workers * 4 - 12, outcomes.failures("one"))
        XCTAssertEqual(outcomes.created("spread"), 10, outcomes.failures("spread"))
        XCTAssertEqual(outcomes.limited("spread"), workers * 4 - 10, outcomes.failures("spread"))
        XCTAssertEqual(outcomes.created("same"), 4, outcomes.failures("same"))
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM memberships WHERE connection_id = \(p: 1)", [.init(one.id)]), 12)
        XCTAssertEqual(try client.scalar("SELECT count(*) FROM drivers WHERE email = 'same.driver@example.test'"), 1)
    }

    static func formToken() -> String { "form-" + UUID().uuidString }

    /// What each kind of request came to, from several threads.
    final class Outcomes: @unchecked Sendable {
        private let lock = NSLock()
        private var results: [String: [Result<JoinOutcome, Error>]] = [:]

        func add(_ kind: String, _ result: Result<JoinOutcome, Error>) {
            lock.withLock { results[kind, default: []].append(result) }
        }

        func created(_ kind: String) -> Int {
            lock.withLock { results[kind, default: []].filter { if case .success(.created) = $0 { return true }; return false }.count }
        }

        func limited(_ kind: String) -> Int {
            lock.withLock {
                results[kind, default: []].filter {
                    if case .failure(let error) = $0, case .tooManyRequests? = error as? UserError { return true }
                    return false
                }.count
            }
        }

        /// Anything other than created or limited, for the message of a failed assertion.
        func failures(_ kind: String) -> String {
            lock.withLock {
                results[kind, default: []].compactMap { result -> String? in
                    guard case .failure(let error) = result else { return nil }
                    if case .tooManyRequests? = error as? UserError { return nil }
                    return "\(error)"
                }.joined(separator: "; ")
            }
        }
    }
}
