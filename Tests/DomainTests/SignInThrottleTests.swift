@testable import Domain
import Foundation
import Storage
import TestSupport
import XCTest

/// The sign-in throttle's rules (OWASP's device cookies), passwords the C hash would cut short,
/// and counters that parallel guesses cannot overshoot.
final class SignInThrottleTests: XCTestCase {
    static let password = "long enough password"
    private var folder: URL!
    private var database: Database!
    private var accounts: Accounts { Accounts(database: database) }

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("connections-throttle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        location = try TestDatabases.empty(in: folder)
        database = try Database(location: location)
        try database.run("INSERT INTO organizations (id, name, name_for_drivers, created_at) VALUES (1, 'Acme', 'Acme', 'x')")
        try accounts.setRole(userID: accounts.createUser(email: "boss@acme.test", name: "Boss", password: Self.password), organizationID: 1, role: .admin)
    }

    override func tearDownWithError() throws {
        database = nil
        TestDatabases.drop(location)
        try? FileManager.default.removeItem(at: folder)
    }

    private var location = DatabaseLocation.sqlite(path: "")

    private func signIn(_ password: String = SignInThrottleTests.password, from address: String, device: String? = nil,
                        email: String = "boss@acme.test") -> Result<Accounts.Session, UserError> {
        Result { try accounts.signIn(email: email, password: password, address: address, device: device) }.mapError { $0 as! UserError }
    }

    private func refusal(_ result: Result<Accounts.Session, UserError>) -> (message: String, seconds: Int)? {
        guard case .failure(.tooManyRequests(let message, let seconds)) = result else { return nil }
        return (message, seconds)
    }

    private func isWrong(_ result: Result<Accounts.Session, UserError>) -> Bool {
        if case .failure(.unauthorized) = result { return true }
        return false
    }

    /// Failures recorded at `minutesAgo` minutes in the past, as if guessed earlier.
    private func failures(_ subject: String, count: Int, minutesAgo: Double) throws {
        let window = RateWindow(database: database, window: Int(SignInThrottle.window))
        for _ in 0..<count { try window.count(subject, now: Date().addingTimeInterval(-minutesAgo * 60)) }
    }

    // MARK: Passwords

    func testSHA256MatchesTheStandardsVectors() {
        XCTAssertEqual(SHA256.hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(SHA256.hex(String(repeating: "a", count: 1_000)), "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    func testPasswordsWithControlCharactersCannotBeSet() throws {
        let refused = UserError.badRequest("The password cannot contain control characters such as tabs, line breaks or NUL.")
        for password in ["x\u{0}yyyyyyyyyyyyyy", "long enough\u{0}", "tab\tin a long password", "a line\nbreak in it", "a carriage\rreturn",
                         "delete\u{7F}long enough", "next line\u{85}long enough", "x\u{0}"] {
            XCTAssertThrowsError(try accounts.createUser(email: "new@acme.test", name: "New", password: password), password.debugDescription) {
                XCTAssertEqual($0 as? UserError, refused, password.debugDescription)
            }
        }
        XCTAssertEqual(try database.scalarInt("SELECT count(*) FROM users WHERE email = 'new@acme.test'"), 0)
        // The length is counted on what is stored: 11 characters and a NUL is refused for the NUL, not let through as 12.
        XCTAssertThrowsError(try accounts.createUser(email: "new@acme.test", name: "New", password: "elevenchars")) {
            XCTAssertEqual(($0 as? UserError)?.message.hasPrefix("The password must be at least 12 characters"), true)
        }
        XCTAssertNoThrow(try accounts.createUser(email: "new@acme.test", name: "New", password: "ünïcödé and spaces ok"))
    }

    func testAPasswordWithNULNeverMatchesWhatPrecedesIt() throws {
        // An account whose password is "x" (older rules, or a hand-made row): the C hash sees "x\0yyy…" as "x".
        try database.run("INSERT INTO users (email, name, password_hash, created_at) VALUES ('x@acme.test', 'X', \(p: 1), 'x')",
                         [.text(Passwords.hash("x"))])
        XCTAssertFalse(Passwords.verify("x\u{0}yyyyyyyyyyyyyy", against: Passwords.hash("x")))
        XCTAssertTrue(isWrong(signIn("x\u{0}yyyyyyyyyyyyyy", from: "192.0.2.1", email: "x@acme.test")))
        XCTAssertTrue(isWrong(signIn(Self.password + "\u{0}anything", from: "192.0.2.2")))
        XCTAssertNoThrow(try signIn("x", from: "192.0.2.3", email: "x@acme.test").get())
    }

    // MARK: Rules

    func testAGuesserIsSlowedThenRefusedPerAccountAndAddress() throws {
        XCTAssertEqual((0...10).map(SignInThrottle.delaySeconds), [0, 0, 0, 2, 4, 8, 16, 32, 60, 60, 60])
        for _ in 0..<3 { XCTAssertTrue(isWrong(signIn("wrong guess", from: "203.0.113.1"))) }
        let slowed = try XCTUnwrap(refusal(signIn(from: "203.0.113.1")), "the fourth try of a pair must wait, right password or not")
        XCTAssertEqual(slowed.message, "Too many failed sign-in attempts. Wait \(slowed.seconds) seconds before trying again.")
        XCTAssertTrue((1...2).contains(slowed.seconds), "\(slowed.seconds)")
        // The same account from another address is another guesser: not slowed.
        XCTAssertNoThrow(try signIn(from: "198.51.100.1").get())
        // Ten failures of one pair within 15 minutes: refused until the oldest ages out.
        try database.run("DELETE FROM rate_windows")
        try failures("pair:203.0.113.1 boss@acme.test", count: 10, minutesAgo: 10)
        let refused = try XCTUnwrap(refusal(signIn(from: "203.0.113.1")))
        XCTAssertEqual(refused.message, "Too many failed sign-in attempts. Try again in 5 minutes.")
        XCTAssertTrue((290...300).contains(refused.seconds), "\(refused.seconds)")
        XCTAssertNoThrow(try signIn(from: "198.51.100.1").get())
        // Refused tries are not counted: the pair still has ten failures, no more.
        XCTAssertEqual(try database.scalarInt("SELECT sum(events) FROM rate_windows WHERE subject = 'pair:203.0.113.1 boss@acme.test'"), 10)
    }

    func testAnIPv6GuesserCannotStepPastTheLimitByChangingAddressWithinItsNetwork() throws {
        for host in 1...3 { XCTAssertTrue(isWrong(signIn("wrong guess", from: "2001:db8:1:2::\(host)"))) }
        XCTAssertNotNil(refusal(signIn(from: "2001:db8:1:2:ffff::9")), "the same /64 is the same guesser")
        XCTAssertNoThrow(try signIn(from: "2001:db8:1:3::1").get(), "another /64 is another")
    }

    func testGuessingFromElsewhereNeverRefusesTheRightPasswordFromAKnownDevice() throws {
        let device = try XCTUnwrap(signIn(from: "192.0.2.1").get().deviceToken)
        XCTAssertEqual(try database.scalarInt("SELECT count(*) FROM known_devices WHERE token_hash = \(p: 1)", [.text(SHA256.hex(device))]), 1)
        XCTAssertFalse(try database.scalarInt("SELECT count(*) FROM known_devices WHERE token_hash = \(p: 1)", [.text(device)]) > 0,
                       "only the hash is stored")
        // A distributed guesser: one wrong password from each of 30 addresses.
        for i in 0..<SignInThrottle.accountLimit { XCTAssertTrue(isWrong(signIn("wrong guess", from: "203.0.113.\(i)")), "\(i)") }
        let unknown = try XCTUnwrap(refusal(signIn(from: "198.51.100.1")), "unknown browsers are refused for this account")
        XCTAssertTrue(unknown.message.contains("Sign in from a browser you signed in with before"), unknown.message)
        XCTAssertNotNil(refusal(signIn(from: "198.51.100.1", device: String(repeating: "A", count: 64))), "a made-up device cookie is unknown")
        // The known browser signs in, even from one of the guessers' addresses, and keeps its cookie.
        XCTAssertEqual(try signIn(from: "203.0.113.0", device: device).get().deviceToken, device)
        // Another account's known device is unknown to this one.
        try accounts.createUser(email: "other@acme.test", name: "Other", password: Self.password)
        let otherDevice = try XCTUnwrap(signIn(from: "192.0.2.1", email: "other@acme.test").get().deviceToken)
        XCTAssertNotEqual(otherDevice, device)
        XCTAssertNotNil(refusal(signIn(from: "192.0.2.1", device: otherDevice)))
        // A known device that guesses is slowed by its own failures only.
        for _ in 0..<3 { XCTAssertTrue(isWrong(signIn("wrong guess", from: "192.0.2.1", device: device))) }
        XCTAssertNotNil(refusal(signIn(from: "192.0.2.1", device: device)))
        XCTAssertEqual(try database.scalarInt("SELECT sum(events) FROM rate_windows WHERE subject = 'account:boss@acme.test'"),
                       SignInThrottle.accountLimit, "a known device's failures do not count against the account")
    }

    func testOneAddressSharedByManyIsRefusedOnlyForUnknownDevicesAndOnlyFarBeyond() throws {
        let device = try XCTUnwrap(signIn(from: "192.0.2.1").get().deviceToken)
        // Forty wrong guesses from one NAT address at forty accounts (the old rules refused the address at thirty).
        for i in 0..<40 { XCTAssertTrue(isWrong(signIn("wrong guess", from: "203.0.113.9", email: "someone\(i)@acme.test"))) }
        XCTAssertNoThrow(try signIn(from: "203.0.113.9").get(), "a colleague behind the same address signs in")
        try failures("address:203.0.113.9", count: SignInThrottle.addressLimit - 40, minutesAgo: 1)
        let refused = try XCTUnwrap(refusal(signIn(from: "203.0.113.9")))
        XCTAssertTrue(refused.message.hasPrefix("Too many failed sign-ins from your network."), refused.message)
        XCTAssertNoThrow(try signIn(from: "203.0.113.9", device: device).get(), "a known device is never refused for its address")
    }

    // MARK: Races

    /// Runs `body` on `count` threads at once, each with its own connection to the database.
    private func inParallel(_ count: Int, _ body: @escaping @Sendable (Database) -> String) -> [String] {
        final class Results: @unchecked Sendable {
            let lock = NSLock()
            var values: [String] = []
        }
        let results = Results(), ready = DispatchGroup(), done = DispatchGroup(), start = DispatchSemaphore(value: 0)
        let location = self.location
        for _ in 0..<count {
            ready.enter()
            done.enter()
            Thread {
                let database = try! Database(location: location)
                ready.leave()
                start.wait()
                let value = body(database)
                results.lock.lock()
                results.values.append(value)
                results.lock.unlock()
                done.leave()
            }.start()
        }
        ready.wait()
        for _ in 0..<count { start.signal() }
        done.wait()
        return results.values
    }

    func testParallelWrongGuessesAreCountedBeforeTheyAreChecked() {
        let answers = inParallel(5) { database in
            do {
                _ = try Accounts(database: database).signIn(email: "boss@acme.test", password: "wrong guess", address: "203.0.113.5")
                return "signed in"
            } catch UserError.unauthorized {
                return "wrong password"
            } catch UserError.tooManyRequests {
                return "too many"
            } catch {
                return "\(error)"
            }
        }
        XCTAssertEqual(answers.sorted(), ["too many", "too many", "wrong password", "wrong password", "wrong password"],
                       "only \(SignInThrottle.freeFailures) guesses of one pair may reach the password check at once")
    }

    func testParallelSearchCodeMissesCannotOvershootTheLimit() throws {
        try failures("search-code:203.0.113.6", count: SignInThrottle.searchCodeAddressLimit - 2, minutesAgo: 1)
        let answers = inParallel(5) { database in
            do {
                return try JoinRequests(database: database).joinable(searchCode: "ZZZZZZZZ", address: "203.0.113.6") == nil ? "not found" : "found"
            } catch UserError.tooManyRequests {
                return "too many"
            } catch {
                return "\(error)"
            }
        }
        XCTAssertEqual(answers.sorted(), ["not found", "not found", "too many", "too many", "too many"])
        XCTAssertEqual(try database.scalarInt("SELECT sum(events) FROM rate_windows WHERE subject = 'search-code:203.0.113.6'"),
                       SignInThrottle.searchCodeAddressLimit)
    }
}
