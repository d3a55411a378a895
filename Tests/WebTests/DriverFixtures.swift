import Domain
import FastCGI
import Foundation
import Storage
import XCTest
@testable import Web

/// Connections made for a test, and a driver's browser asking to join one.
protocol DriverFixtures: XCTestCase {
    /// Connections made so far, for unique names and codes.
    var made: Int { get set }
}

extension DriverFixtures {
    /// A connection of `org` (the first organization by default) with the given rules: its id and invite token.
    func makeConnection(_ client: TestClient, approval: String = "Manually approve", questions: [String] = [], domains: [String] = [],
                        org: Int? = nil) throws -> (id: Int, token: String) {
        made += 1
        let database = try client.otherConnection()
        let organization = try org ?? database.scalarInt("SELECT min(id) FROM organizations")
        let alphabet = Array("ABCDEFGHJKMNPQRSTUVWXYZ23456789")
        let code = "QT" + String((0..<6).map { alphabet[(made * 7 + $0 * 11 + Int.random(in: 0..<31)) % 31] })
        let token = "driver-request-test-\(made)-" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        let id = try database.insertReturningID("""
            INSERT INTO connections (org_id, name, status, connection_type, approval_type, visibility, search_code, invite_token,
                                     benefits_list, questions_list, created_at, updated_at)
            VALUES (\(p: 1), \(p: 2), 'Enabled', 'Standard', \(p: 3), 'Private', \(p: 4), \(p: 5), 'Free charging', \(p: 6), '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')
            """, [.init(organization), .text("Driver test \(made) \(token.suffix(6))"), .text(approval), .text(code), .text(token),
                  .text(questions.joined(separator: "\n"))])
        try database.run("INSERT INTO connection_benefits (connection_id, position, kind) VALUES (\(p: 1), 0, 'Free charging')", [.init(id)])
        for (position, prompt) in questions.enumerated() {
            try database.run("INSERT INTO connection_questions VALUES (\(p: 1), \(p: 2), \(p: 3))", [.init(id), .init(position), .text(prompt)])
        }
        for domain in domains { try database.run("INSERT INTO connection_email_domains VALUES (\(p: 1), \(p: 2))", [.init(id), .text(domain)]) }
        return (id, token)
    }

    /// A driver's browser: opens the join page and sends it filled in.
    @discardableResult
    func join(_ client: Browsing, _ token: String, name: String = "Dana Driver", email: String, answers: [String] = [],
              terms: Bool = true) -> Response {
        XCTAssertEqual(client.send("GET", "/join/\(token)", form: []).status, 200)
        let form = [("csrf", client.cookies[DriverPages.formToken.cookie] ?? ""), ("name", name), ("email", email)]
            + answers.enumerated().map { ("answer-\($0)", $1) } + (terms ? [("terms", "yes")] : [])
        return client.send("POST", "/join/\(token)", form: form)
    }

    func statusToken(of response: Response, _ client: Browsing) throws -> String {
        XCTAssertEqual(response.status, 303, client.text(response).prefix(300).description)
        let location = try XCTUnwrap(client.header(response, "Location"))
        XCTAssertTrue(location.hasPrefix("/status/"), location)
        return String(location.dropFirst("/status/".count))
    }

    /// The membership a status link leads to (only its hash is stored).
    func membershipID(ofStatus token: String, _ client: TestClient) throws -> Int {
        try client.scalar("SELECT membership_id FROM status_links WHERE token_hash = sha256_hex(\(p: 1))", [.text(token)])
    }

    /// State, reason, requested at, name, id (as text), answers.
    func membership(_ client: TestClient, connection: Int, email: String) throws -> [String] {
        let database = try client.otherConnection()
        guard let found = try database.query("""
            SELECT m.state, coalesce(m.denial_reason, ''), m.requested_at, m.driver_name, CAST(m.id AS TEXT), m.id
            FROM memberships m JOIN drivers d ON d.id = m.driver_id WHERE m.connection_id = \(p: 1) AND d.email = \(p: 2)
            """, [.init(connection), .text(email)], row: { row in (fields: (0..<5).map { row.text(Int32($0)) }, id: row.int(5)) }).first
        else { return [] }
        let answers = try database.query("SELECT answer FROM membership_answers WHERE membership_id = \(p: 1) ORDER BY position",
                                         [.init(found.id)]) { $0.text(0) }
        return found.fields + [answers.joined(separator: "|")]
    }
}
