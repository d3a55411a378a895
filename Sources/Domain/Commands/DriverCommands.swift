import Storage

/// A driver asks to join a connection (by its invite link, search code or a public search). A
/// form token is good for one request, and requests are limited per address and per connection
/// (`JoinLimits`). The connection's approval rule decides the state the request starts in
/// (`JoinRequests.startingState`). An email that has already asked to join this connection gets
/// `.askedBefore`: its request is not changed and nothing of it is returned (asking again after a
/// denial is `AskAgain`); with email set up, that address is sent its status link. The driver's
/// email (and the hosts' digest) is queued with the request. All or nothing: one transaction. A
/// driver has no `Access`: the sender (address and form token) is what the limits count.
public struct RequestToJoin: Sendable {
    public let form: JoinForm
    public let joinable: Joinable
    /// The denied or removed request of another address this one follows (asked again from its
    /// status page with a new address, `JoinRequests.askAgain(statusToken:_:withNewAddressFrom:)`).
    let earlier: EarlierRequest?

    public init(_ form: JoinForm, to joinable: Joinable) {
        self.init(form, to: joinable, after: nil)
    }

    init(_ form: JoinForm, to joinable: Joinable, after earlier: EarlierRequest?) {
        self.form = form
        self.joinable = joinable
        self.earlier = earlier
    }

    public func run(from sender: JoinLimits.Sender, with requests: JoinRequests) throws -> JoinOutcome {
        let database = requests.database
        let notTaking = UserError.conflict("\(joinable.connectionName) is not taking new drivers right now. Ask \(joinable.organizationName) to enable it.")
        guard joinable.status == .enabled else { throw notTaking }
        let problems = JoinRequests.problems(form, questions: joinable.questions)
        guard problems.isEmpty else { throw UserError.badRequest(problems.values.sorted().joined(separator: " ")) }
        let email = try Accounts.validEmail(form.email)
        let name = form.name.trimmingCharacters(in: .whitespacesAndNewlines)
        let answers = form.answers.prefix(joinable.questions.count).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        // The connection (its status, limit and requests), the sender's limits, and the address's driver row.
        let keys: [LockKey] = [.connection(joinable.connectionID), .named("driver " + email.lowercased())] + JoinLimits.keys(sender)
        return try database.transaction(locking: keys) {
            // Read again under the connection's lock: one disabled a moment ago takes no more drivers.
            guard let (state, confirming) = try requests.startingState(email: email, connectionID: joinable.connectionID) else { throw notTaking }
            try JoinLimits(database: database, policy: requests.limits).admit(sender, connectionID: joinable.connectionID)
            let now = DateText.now()
            var driver = try database.query("SELECT id FROM drivers WHERE \(caseless: "email") = \(caseless: 1)", [.text(email)]) { $0.int(0) }.first
            if let driver, let earlier = try database.query("SELECT id FROM memberships WHERE connection_id = \(p: 1) AND driver_id = \(p: 2)",
                                                            [.init(joinable.connectionID), .init(driver)], row: { $0.int(0) }).first {
                try requests.resendLinks(membership: earlier)
                return .askedBefore
            }
            if driver == nil {
                // The first name seen; each request keeps the name typed with it, which the pages show.
                driver = try database.insertReturningID("INSERT INTO drivers (name, email, created_at) VALUES (\(p: 1), \(p: 2), \(p: 3))",
                                                        [.text(name), .text(email), .text(now)])
            }
            let decided: SQLValue = state == .connected ? .text(now) : .null
            let membership = try database.insertReturningID("""
                INSERT INTO memberships (connection_id, driver_id, driver_name, state, requested_at, decided_at)
                VALUES (\(p: 1), \(p: 2), \(p: 3), \(p: 4), \(p: 5), \(p: 6))
                """, [.init(joinable.connectionID), .init(driver!), .text(name), .text(state.rawValue), .text(now), decided])
            if state == .connected { try MembershipExpiry(database: database).start(membership: membership, at: now) }
            let token = try StatusLinks(database: database).issue(membership: membership)
            try requests.insertAnswers(membership: membership, questions: joinable.questions, answers: answers)
            let emails = DriverEmails(database: database)
            if confirming {
                try EmailConfirmations(database: database).create(membership: membership)
                try emails.enqueue(.emailConfirmation, membership: membership)
            } else if state == .connected {
                try emails.enqueue(.requestApproved, membership: membership)
            } else {
                try emails.enqueue(.requestReceived, membership: membership)
                try HostDigests(database: database).schedule(organizationID: joinable.organizationID)
            }
            try earlier?.followed(by: membership, email: email, organizationID: joinable.organizationID,
                                  connectionName: joinable.connectionName, in: database)
            try DomainEvents(database: database).record(DomainEvent(.driverRequested, organization: joinable.organizationID,
                                                                    connection: joinable.connectionID, membership: membership,
                                                                    payload: ["state": .string(state.rawValue)]))
            return .created(statusToken: token)
        }
    }
}

/// A Denied or Removed driver asks again, from the status page whose private token proves it is
/// them, with their name and answers to the connection's questions now. The host decided on this
/// driver before, so the request waits for the host again (Pending), whatever the approval type.
public struct AskAgain: Sendable {
    public let statusToken: String
    public let form: JoinForm
    public let questions: [String]

    public init(statusToken: String, _ form: JoinForm, questions: [String]) {
        self.statusToken = statusToken
        self.form = form
        self.questions = questions
    }

    public func run(from sender: JoinLimits.Sender, with requests: JoinRequests) throws {
        let database = requests.database
        let problems = JoinRequests.problems(form, questions: questions, checkingEmail: false)
        guard problems.isEmpty else { throw UserError.badRequest(problems.values.sorted().joined(separator: " ")) }
        let name = form.name.trimmingCharacters(in: .whitespacesAndNewlines)
        let answers = form.answers.prefix(questions.count).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        try database.transaction(locking: try MembershipKeys.connection(statusToken: statusToken, in: database) + JoinLimits.keys(sender)) {
            guard let found = try database.query("""
                SELECT m.id, m.connection_id, m.state, c.status FROM memberships m JOIN connections c ON c.id = m.connection_id
                WHERE \(StatusLinks.leadsTo("m", parameter: "\(p: 1)"))
                """, [.text(Secret.hash(statusToken))], row: {
                    (id: $0.int(0), connection: $0.int(1),
                     state: try $0.decode(MembershipState.self, 2, table: "memberships", key: "id \($0.int(0))"),
                     status: try $0.decode(ConnectionStatus.self, 3, table: "connections", key: "id \($0.int(1))"))
                }).first else {
                throw UserError.notFound("This status link is not valid. Use the link from when you sent your request.")
            }
            try JoinLimits(database: database, policy: requests.limits).admit(sender, connectionID: found.connection)
            guard found.state == .denied || found.state == .removed else {
                throw UserError.conflict("This request is \(found.state.rawValue): there is nothing to ask again.")
            }
            guard found.status == .enabled else {
                throw UserError.conflict("This connection is not taking new drivers right now.")
            }
            try database.run("""
                UPDATE memberships SET state = 'Pending', denial_reason = NULL, requested_at = \(p: 2), decided_at = NULL,
                    decided_by_user_id = NULL, driver_name = \(p: 3)
                WHERE id = \(p: 1)
                """, [.init(found.id), .text(DateText.now()), .text(name)])
            try database.run("DELETE FROM membership_answers WHERE membership_id = \(p: 1)", [.init(found.id)])
            try requests.insertAnswers(membership: found.id, questions: questions, answers: answers)
            try EmailConfirmations(database: database).withdraw(membership: found.id)
            try DriverEmails(database: database).enqueue(.requestReceived, membership: found.id)
            let organization = try database.scalarInt("SELECT org_id FROM connections WHERE id = \(p: 1)", [.init(found.connection)])
            try HostDigests(database: database).schedule(organizationID: organization)
            try DomainEvents(database: database).record(DomainEvent(.driverAskedAgain, organization: organization, connection: found.connection,
                                                                    membership: found.id, payload: ["state": .string(MembershipState.pending.rawValue)]))
        }
    }
}
