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
    /// The name typed with this request.
    public let driverName: String
    public let state: MembershipState
    public let denialReason: String?
    public let requestedAt: String
    /// Whether the connection takes requests now (a Denied or Removed driver may ask again then).
    public let connectionEnabled: Bool
    /// The connection's questions now, to answer when asking again.
    public let questions: [String]
    /// This request's answers, by the question they answered.
    public let answers: [(prompt: String, answer: String)]
    /// Pending until the driver opens the link emailed to their address (`EmailConfirmations`).
    public let awaitingEmailConfirmation: Bool
    /// Memberships that end: when this one ends or ended (null: never), and whether it was removed by
    /// reaching that end rather than by a host.
    public var expiresAt: String? = nil
    public var expired = false
    /// Renewal: from when this membership may be renewed (`MembershipRenewal.opens`), and whether its driver asked and waits.
    public var renewalOpensAt: String? = nil
    public var renewalAsked = false
    /// Re-verification: the day the driver must confirm their answers by (`MembershipReverification`), nil when not asked.
    public var confirmBy: String? = nil

    /// A Denied or Removed driver may ask again from the status page, while the connection takes requests.
    public var mayAskAgain: Bool { (state == .denied || state == .removed) && connectionEnabled }
}

/// What a join request came to. The answer a driver sees must not tell anything about someone
/// else's request: a repeat for an email that already asked shows none of it and changes nothing.
public enum JoinOutcome: Sendable, Equatable {
    /// A new request, with its private status token: shown to the driver when email is not set up
    /// (their only way back to it), else sent to their address.
    case created(statusToken: String)
    /// The email had already asked to join this connection: nothing was written to that request.
    case askedBefore
}

/// The driver's side of joining: finding a connection, requesting, and the request's status.
/// The approval rules decide the state a request starts in.
public struct JoinRequests {
    let database: Database

    let limits: JoinLimits.Policy
    /// SMTP is set up: an email-domain match waits for its confirmation link, and a repeat request
    /// gets its status link by email. Without it, both work as before email existed.
    let emailEnabled: Bool

    public init(database: Database, limits: JoinLimits.Policy = JoinLimits.Policy(), emailEnabled: Bool = false) {
        self.database = database
        self.limits = limits
        self.emailEnabled = emailEnabled
    }

    static let joinableColumns: SQLFragment = """
        c.id, c.org_id, o.name_for_drivers, c.name, c.benefits_list, c.status, c.visibility, c.invite_token
        FROM connections c JOIN organizations o ON o.id = c.org_id
        """

    /// The connection of an invite link; nil for an unknown or rotated token.
    public func joinable(token: String) throws -> Joinable? {
        guard token.count >= 22, token.count <= 64 else { return nil }
        return try joinables("SELECT \(Self.joinableColumns) WHERE c.invite_token = \(p: 1)", [.text(token)]).first
    }

    /// The connection of a search code as typed (any case, spaces and dashes ignored). Failed
    /// look-ups count against the address, in the transaction that decides: after many, it must wait.
    public func joinable(searchCode typed: String, address: String) throws -> Joinable? {
        let code = InviteCodes.normalizeSearchCode(String(typed.prefix(40)))
        return try SignInThrottle(database: database).lookUpSearchCode(address: address) {
            try joinables("SELECT \(Self.joinableColumns) WHERE c.search_code = \(p: 1)", [.text(code)]).first
        }
    }

    func joinables(_ sql: SQLFragment, _ parameters: [SQLValue]) throws -> [Joinable] {
        let found = try database.query(sql, parameters) { row in
            (id: row.int(0), org: row.int(1), orgName: row.text(2), name: row.text(3), benefits: row.lines(4),
             status: try row.decode(ConnectionStatus.self, 5, table: "connections", key: "id \(row.int(0))"),
             visibility: try row.decode(Visibility.self, 6, table: "connections", key: "id \(row.int(0))"), token: row.text(7))
        }
        // The questions of every connection found in one query, not one per connection (a search lists up to ten).
        var questions: [Int: [String]] = [:]
        if !found.isEmpty {
            // One connection (an invite link, a search code) by its key, which PostgreSQL's planner
            // reads through the index; an id list's length is a guess to it, and a small table is scanned.
            let which: SQLFragment = found.count == 1 ? "= \(p: 1)" : "IN (\(ids: 1))"
            _ = try database.query("""
                SELECT connection_id, prompt FROM connection_questions
                WHERE connection_id \(which) ORDER BY connection_id, position
                """, [found.count == 1 ? .init(found[0].id) : .idList(found.map(\.id))]) { row in questions[row.int(0), default: []].append(row.text(1)) }
        }
        return found.map { item in
            Joinable(connectionID: item.id, organizationID: item.org, organizationName: item.orgName, connectionName: item.name,
                     benefits: item.benefits, questions: questions[item.id] ?? [], status: item.status, visibility: item.visibility,
                     inviteToken: item.token)
        }
    }

    /// Problems with a request, by field ("name", "email", "answer-0", "terms"), to show next to each.
    /// Lengths are counted as the schema's CHECK constraints count them (`StoredText`), on the
    /// text that will be stored, so an accepted request never fails a constraint; control
    /// characters (NUL, line breaks, tabs) have no place in a name or an answer.
    public static func problems(_ request: JoinForm, questions: [String], checkingEmail: Bool = true) -> [String: String] {
        var problems: [String: String] = [:]
        let name = request.name.trimmingCharacters(in: .whitespacesAndNewlines)
        if StoredText.hasControlCharacter(name) { problems["name"] = "Your name cannot contain line breaks, tabs or other control characters." }
        else if !(1...200).contains(StoredText.length(name)) { problems["name"] = "Enter your name (up to 200 characters)." }
        if checkingEmail {
            let email = try? Accounts.validEmail(request.email)
            if email.map({ StoredText.length($0) > 254 }) ?? true { problems["email"] = "Enter an email address like name@example.com." }
        }
        for (index, _) in questions.enumerated() {
            let answer = index < request.answers.count ? request.answers[index].trimmingCharacters(in: .whitespacesAndNewlines) : ""
            if StoredText.hasControlCharacter(answer) { problems["answer-\(index)"] = "An answer cannot contain line breaks, tabs or other control characters." }
            else if StoredText.length(answer) == 0 { problems["answer-\(index)"] = "Answer this question." }
            else if StoredText.length(answer) > 500 { problems["answer-\(index)"] = "Keep the answer under 500 characters." }
        }
        if !request.agreedToTerms { problems["terms"] = "Agree to the terms to request access." }
        return problems
    }

    /// A repeat request, with email set up: the address is sent its status link again (with a new
    /// confirmation link while its request waits for one), unless it was sent one a moment ago.
    func resendLinks(membership id: Int) throws {
        let emails = DriverEmails(database: database)
        guard emailEnabled, try emails.mayResend(membership: id) else { return }
        if try database.scalarInt("""
            SELECT count(*) FROM memberships m WHERE m.id = \(p: 1) AND m.state = 'Pending'
            AND EXISTS (SELECT 1 FROM email_confirmations e WHERE e.membership_id = m.id AND e.confirmed_at IS NULL)
            """, [.init(id)]) > 0 {
            try EmailConfirmations(database: database).create(membership: id)
            try emails.enqueue(.emailConfirmation, membership: id)
        } else {
            try emails.enqueue(.statusLink, membership: id)
        }
    }

    func insertAnswers(membership: Int, questions: [String], answers: [String]) throws {
        try database.insertRows(into: "membership_answers", columns: ["membership_id", "position", "prompt", "answer"],
                                rows: answers.enumerated().map { [.init(membership), .init($0), .text(questions[$0]), .text($1)] })
    }

    /// Automatically approve all: Connected. Manually approve: Pending. By email domain: Pending
    /// too, since an address counts only once its owner has shown they read it: with email set up,
    /// a request whose domain is on the allow-list waits for the confirmation link sent to it
    /// (`confirming`), which connects it; without, the host's requests page marks it "email domain
    /// matches" (`MembershipDecisions`) and the host approves it. Nil when the connection is gone or
    /// not Enabled (it takes no new drivers): its status and rule are read together.
    func startingState(email: String, connectionID: Int) throws -> (state: MembershipState, confirming: Bool)? {
        guard let (status, approval) = try database.query("SELECT status, approval_type FROM connections WHERE id = \(p: 1)", [.init(connectionID)], row: {
            ($0.text(0), try $0.decode(ApprovalType.self, 1, table: "connections", key: "id \(connectionID)"))
        }).first, status == ConnectionStatus.enabled.rawValue else { return nil }
        switch approval {
        case .all: return (.connected, false)
        case .manual: return (.pending, false)
        case .emailDomain:
            let matches = try database.scalarInt("SELECT count(*) FROM connections c WHERE c.id = \(p: 1) AND \(Self.domainMatches(connection: "c", email: "\(p: 2)"))",
                                                 [.init(connectionID), .text(email)]) > 0
            return (.pending, emailEnabled && matches)
        }
    }

    /// SQL that is true when connection `connection` (an alias) approves by email domain and the
    /// domain of `email` (an SQL expression) is on its allow-list.
    static func domainMatches(connection c: String, email: SQLFragment) -> SQLFragment {
        """
        \(raw: c).approval_type = '\(raw: ApprovalType.emailDomain.rawValue)' AND EXISTS (SELECT 1 FROM connection_email_domains allowed
            WHERE allowed.connection_id = \(raw: c).id AND allowed.domain = lower(substr(\(email), \(.position(of: "'@'", in: email)) + 1)))
        """
    }

    /// The status behind a driver's private link.
    public func status(token: String) throws -> RequestStatus? {
        guard token.count >= 22, token.count <= 100 else { return nil }
        guard let found = try database.query("""
            SELECT o.name_for_drivers, c.name, m.driver_name, m.state, m.denial_reason, m.requested_at, m.id, c.id, c.status,
                EXISTS (SELECT 1 FROM email_confirmations e WHERE e.membership_id = m.id AND e.confirmed_at IS NULL),
                m.expires_at, m.decided_at, c.renewal_reminders, m.renewal_asked_at, m.reverify_by
            FROM memberships m JOIN connections c ON c.id = m.connection_id JOIN organizations o ON o.id = c.org_id
            WHERE \(StatusLinks.leadsTo("m", parameter: "\(p: 1)"))
            """, [.text(Secret.hash(token))], row: {
            (organization: $0.text(0), connection: $0.text(1), driver: $0.text(2),
             state: try $0.decode(MembershipState.self, 3, table: "memberships", key: "id \($0.int(6))"),
             reason: $0.optionalText(4), requestedAt: $0.text(5), membership: $0.int(6), connectionID: $0.int(7),
             status: try $0.decode(ConnectionStatus.self, 8, table: "connections", key: "id \($0.int(7))"), confirming: $0.int(9) != 0,
             expiresAt: $0.optionalText(10), decidedAt: $0.optionalText(11), reminders: $0.text(12), renewalAsked: !$0.isNull(13),
             confirmBy: $0.optionalText(14))
        }).first else { return nil }
        let questions = try database.query("SELECT prompt FROM connection_questions WHERE connection_id = \(p: 1) ORDER BY position",
                                           [.init(found.connectionID)]) { $0.text(0) }
        let answers = try database.query("SELECT prompt, answer FROM membership_answers WHERE membership_id = \(p: 1) ORDER BY position",
                                         [.init(found.membership)]) { (prompt: $0.text(0), answer: $0.text(1)) }
        return RequestStatus(organizationName: found.organization, connectionName: found.connection, driverName: found.driver,
                             state: found.state, denialReason: found.reason, requestedAt: found.requestedAt,
                             connectionEnabled: found.status == .enabled, questions: questions, answers: answers,
                             awaitingEmailConfirmation: found.state == .pending && found.confirming,
                             expiresAt: found.expiresAt,
                             expired: found.state == .removed && found.expiresAt.map { $0 <= (found.decidedAt ?? "") } == true,
                             renewalOpensAt: found.expiresAt.flatMap { MembershipRenewal.opens(before: $0, days: MembershipRenewal.days(found.reminders)) },
                             renewalAsked: found.renewalAsked, confirmBy: found.state == .connected ? found.confirmBy : nil)
    }
}
