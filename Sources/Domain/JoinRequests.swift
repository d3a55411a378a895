import Foundation
import Storage

/// What a driver sees of a connection before joining.
public struct Joinable: Sendable {
    public let connectionID: Int
    public let organizationID: Int
    public let organizationName: String
    public let connectionName: String
    public let benefits: [String]
    public let questions: [String]
    public let status: ConnectionStatus
    public let visibility: Visibility
    public let inviteToken: String
}

/// A driver's request as the driver's own status page shows it.
public struct RequestStatus: Sendable {
    public let organizationName: String
    public let connectionName: String
    public let driverName: String
    public let state: MembershipState
    public let denialReason: String?
    public let requestedAt: String
}

/// The driver's side of joining: finding a connection, requesting, and the request's status.
/// The approval rules decide the state a request starts in.
public struct JoinRequests {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    static let joinableColumns = """
        c.id, c.org_id, o.name_for_drivers, c.name, c.benefits_list, c.status, c.visibility, c.invite_token
        FROM connections c JOIN organizations o ON o.id = c.org_id
        """

    /// The connection of an invite link; nil for an unknown or rotated token.
    public func joinable(token: String) throws -> Joinable? {
        guard token.count >= 22, token.count <= 64 else { return nil }
        return try joinables("SELECT \(Self.joinableColumns) WHERE c.invite_token = ?1", [.text(token)]).first
    }

    /// The connection of a search code as typed (any case, spaces and dashes ignored). Failed
    /// look-ups count against the address, in the transaction that decides: after many, it must wait.
    public func joinable(searchCode typed: String, address: String) throws -> Joinable? {
        let code = InviteCodes.normalizeSearchCode(String(typed.prefix(40)))
        return try SignInThrottle(database: database).lookUpSearchCode(address: address) {
            try joinables("SELECT \(Self.joinableColumns) WHERE c.search_code = ?1", [.text(code)]).first
        }
    }

    /// Enabled public connections whose organization's name (for drivers) contains `text`.
    public func publicConnections(organizationNamed text: String) throws -> [Joinable] {
        let needle = TextFolding.fold(text.trimmingCharacters(in: .whitespacesAndNewlines))
        guard needle.count >= 2 else { return [] }
        return try joinables("""
            SELECT \(Self.joinableColumns)
            WHERE c.visibility = 'Public' AND c.status = 'Enabled' AND c.org_id IN (SELECT id FROM organizations WHERE instr(fold(name_for_drivers), ?1) > 0)
            ORDER BY o.name_for_drivers COLLATE NOCASE, c.name COLLATE NOCASE LIMIT 50
            """, [.text(needle)])
    }

    func joinables(_ sql: String, _ parameters: [SQLValue]) throws -> [Joinable] {
        let found = try database.query(sql, parameters) { row in
            (id: row.int(0), org: row.int(1), orgName: row.text(2), name: row.text(3), benefits: row.lines(4),
             status: try row.decode(ConnectionStatus.self, 5, table: "connections", key: "id \(row.int(0))"),
             visibility: try row.decode(Visibility.self, 6, table: "connections", key: "id \(row.int(0))"), token: row.text(7))
        }
        return try found.map { item in
            let questions = try database.query("SELECT prompt FROM connection_questions WHERE connection_id = ?1 ORDER BY position",
                                               [.init(item.id)]) { $0.text(0) }
            return Joinable(connectionID: item.id, organizationID: item.org, organizationName: item.orgName, connectionName: item.name,
                            benefits: item.benefits, questions: questions, status: item.status, visibility: item.visibility,
                            inviteToken: item.token)
        }
    }

    /// What a driver sends.
    public struct Request: Sendable {
        public var name: String
        public var email: String
        public var answers: [String]
        public var agreedToTerms: Bool

        public init(name: String, email: String, answers: [String], agreedToTerms: Bool) {
            self.name = name
            self.email = email
            self.answers = answers
            self.agreedToTerms = agreedToTerms
        }
    }

    /// Problems with a request, by field ("name", "email", "answer-0", "terms"), to show next to each.
    public static func problems(_ request: Request, questions: [String]) -> [String: String] {
        var problems: [String: String] = [:]
        let name = request.name.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty || name.count > 200 { problems["name"] = "Enter your name (up to 200 characters)." }
        if (try? Accounts.validEmail(request.email)) == nil { problems["email"] = "Enter an email address like name@example.com." }
        for (index, _) in questions.enumerated() {
            let answer = index < request.answers.count ? request.answers[index].trimmingCharacters(in: .whitespacesAndNewlines) : ""
            if answer.isEmpty { problems["answer-\(index)"] = "Answer this question." }
            else if answer.count > 500 { problems["answer-\(index)"] = "Keep the answer under 500 characters." }
        }
        if !request.agreedToTerms { problems["terms"] = "Agree to the terms to request access." }
        return problems
    }

    /// Files a request under the connection's approval rule and returns the driver's status token.
    /// A second request from the same email shows the first, unless it was Denied or Removed.
    /// All or nothing: one transaction.
    public func request(_ request: Request, to joinable: Joinable) throws -> String {
        guard joinable.status == .enabled else {
            throw UserError.conflict("\(joinable.connectionName) is not taking new drivers right now. Ask \(joinable.organizationName) to enable it.")
        }
        let problems = Self.problems(request, questions: joinable.questions)
        guard problems.isEmpty else { throw UserError.badRequest(problems.values.sorted().joined(separator: " ")) }
        let email = try Accounts.validEmail(request.email)
        let name = request.name.trimmingCharacters(in: .whitespacesAndNewlines)
        let answers = request.answers.prefix(joinable.questions.count).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        return try database.transaction {
            let now = DateText.now()
            var driver = try database.query("SELECT id FROM drivers WHERE email = ?1", [.text(email)]) { $0.int(0) }.first
            if driver == nil {
                try database.run("INSERT INTO drivers (name, email, created_at) VALUES (?1, ?2, ?3)", [.text(name), .text(email), .text(now)])
                driver = Int(database.lastInsertRowID)
            }
            let existing = try database.query("SELECT id, state, status_token FROM memberships WHERE connection_id = ?1 AND driver_id = ?2",
                                              [.init(joinable.connectionID), .init(driver!)]) {
                (id: $0.int(0), state: try $0.decode(MembershipState.self, 1, table: "memberships", key: "id \($0.int(0))"), token: $0.text(2))
            }.first
            if let existing, existing.state == .pending || existing.state == .connected { return existing.token }
            let state = try startingState(email: email, connectionID: joinable.connectionID)
            let decided: SQLValue = state == .connected ? .text(now) : .null
            var random = SystemRandomNumberGenerator()
            let token = existing?.token ?? InviteCodes.inviteToken(using: &random) + InviteCodes.inviteToken(using: &random)
            let membership: Int
            if let existing {
                try database.run("""
                    UPDATE memberships SET state = ?2, denial_reason = NULL, requested_at = ?3, decided_at = ?4, decided_by_user_id = NULL
                    WHERE id = ?1
                    """, [.init(existing.id), .text(state.rawValue), .text(now), decided])
                try database.run("DELETE FROM membership_answers WHERE membership_id = ?1", [.init(existing.id)])
                membership = existing.id
            } else {
                try database.run("""
                    INSERT INTO memberships (connection_id, driver_id, state, status_token, requested_at, decided_at)
                    VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                    """, [.init(joinable.connectionID), .init(driver!), .text(state.rawValue), .text(token), .text(now), decided])
                membership = Int(database.lastInsertRowID)
            }
            try database.insertRows(into: "membership_answers", columns: ["membership_id", "position", "prompt", "answer"],
                                    rows: answers.enumerated().map { [.init(membership), .init($0), .text(joinable.questions[$0]), .text($1)] })
            return token
        }
    }

    /// Automatically approve all: Connected. By email domain: Connected when the email's domain is
    /// on the allow-list, else Pending. Manually approve: Pending.
    func startingState(email: String, connectionID: Int) throws -> MembershipState {
        guard let approval = try database.query("SELECT approval_type FROM connections WHERE id = ?1", [.init(connectionID)], row: {
            try $0.decode(ApprovalType.self, 0, table: "connections", key: "id \(connectionID)")
        }).first else { throw UserError.notFound("This connection no longer exists.") }
        switch approval {
        case .all: return .connected
        case .manual: return .pending
        case .emailDomain:
            let domain = email.split(separator: "@").last.map { $0.lowercased() } ?? ""
            let allowed = try database.scalarInt("SELECT count(*) FROM connection_email_domains WHERE connection_id = ?1 AND domain = ?2",
                                                 [.init(connectionID), .text(domain)])
            return allowed > 0 ? .connected : .pending
        }
    }

    /// The status behind a driver's private link.
    public func status(token: String) throws -> RequestStatus? {
        guard token.count >= 22, token.count <= 100 else { return nil }
        return try database.query("""
            SELECT o.name_for_drivers, c.name, d.name, m.state, m.denial_reason, m.requested_at, m.id
            FROM memberships m JOIN connections c ON c.id = m.connection_id JOIN organizations o ON o.id = c.org_id
            JOIN drivers d ON d.id = m.driver_id WHERE m.status_token = ?1
            """, [.text(token)]) {
            RequestStatus(organizationName: $0.text(0), connectionName: $0.text(1), driverName: $0.text(2),
                          state: try $0.decode(MembershipState.self, 3, table: "memberships", key: "id \($0.int(6))"),
                          denialReason: $0.optionalText(4), requestedAt: $0.text(5))
        }.first
    }
}
