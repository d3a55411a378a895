import Domain
import FastCGI

/// The driver's answers to the renewal and re-verification emails, from their status page (the
/// emails' link): POST /status/{token}/renew (`RenewMembership`) and /confirm-answers
/// (`ConfirmAnswers`), each sent back to the page with what became of it.
struct RenewalPage {
    let handler: ConsoleHandler

    func renew(token: String) throws -> Response {
        let requests = JoinRequests(database: handler.database, limits: handler.configuration.joinLimits, emailEnabled: handler.emailEnabled)
        let outcome = try RenewMembership(statusToken: token, now: handler.configuration.now()).run(with: requests)
        let answer: String
        switch outcome {
        case .renewed: answer = "renewed"
        case .confirming: answer = "confirming"
        case .waitingForHost: answer = "host"
        }
        return .redirect(to: "/status/\(token)?renewal=\(answer)")
    }

    func confirmAnswers(token: String) throws -> Response {
        try ConfirmAnswers(statusToken: token, now: handler.configuration.now()).run(in: handler.database)
        return .redirect(to: "/status/\(token)?renewal=confirmed")
    }

    /// What the status page says after a renewal, from its query.
    static func message(_ answer: String?) -> String? {
        switch answer {
        case "renewed": return "Your membership is renewed."
        case "confirming": return "To renew, open the link we emailed to your address: it proves the address is still yours."
        case "confirmed": return "Thanks: your answers are confirmed."
        case "host": return "Your renewal is asked: the host decides, and this page shows the new end once they approve it."
        default: return nil
        }
    }
}
