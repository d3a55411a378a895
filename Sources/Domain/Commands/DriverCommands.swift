import Storage

/// A driver asks to join a connection (by its invite link, search code or a public search): the
/// connection's approval rule decides the state the request starts in (`JoinRequests.request`
/// holds the rule, its limits and emails). A driver has no `Access`: the sender (address and
/// single-use form token) is what the limits count.
public struct RequestToJoin: Sendable {
    public let form: JoinForm
    public let joinable: Joinable

    public init(_ form: JoinForm, to joinable: Joinable) {
        self.form = form
        self.joinable = joinable
    }

    public func run(from sender: JoinLimits.Sender, with requests: JoinRequests) throws -> JoinOutcome {
        try requests.request(form, to: joinable, from: sender)
    }
}

/// A Denied or Removed driver asks again from their status page (the private token proves it is
/// them), answering the connection's questions as they are now.
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
        try requests.askAgain(statusToken: statusToken, form, questions: questions, from: sender)
    }
}
