/// What a driver sends to join a connection, or to ask again: checked by `JoinRequests.problems`.
/// Not `Request`, which names the transport's HTTP request in Web.
public struct JoinForm: Sendable {
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
