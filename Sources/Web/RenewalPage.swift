import Domain
import FastCGI

/// POST /status/{token}/renew: the driver renews from their status page (the renewal email's
/// link), and is sent back to it with what became of it (`RenewMembership`).
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

    /// What the status page says after a renewal, from its query.
    static func message(_ answer: String?) -> String? {
        switch answer {
        case "renewed": return "Your membership is renewed."
        case "confirming": return "To renew, open the link we emailed to your address: it proves the address is still yours."
        case "host": return "Your renewal is asked: the host decides, and this page shows the new end once they approve it."
        default: return nil
        }
    }
}
