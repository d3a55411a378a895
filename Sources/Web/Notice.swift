import Domain
import FastCGI

/// What a page says after an action succeeded. The address names the notice and a count
/// (`done=approved&n=3`); the words come from here, so a link cannot make a page say anything else.
enum Notice: String, CaseIterable {
    case approved, denied, removed, enabled, disabled, created, saved, deleted
    /// Email invites queued; failed emails queued again.
    case emailed, requeued

    func text(count: Int) -> String {
        let number = Format.integer(count)
        switch self {
        case .approved, .denied, .removed: return "\(number) driver\(count == 1 ? "" : "s") \(rawValue)"
        case .enabled, .disabled, .saved, .deleted: return "\(number) connection\(count == 1 ? "" : "s") \(rawValue)"
        case .created: return "Connection created. Next, invite drivers: send them the invite link below, or share or print its QR code"
        case .emailed: return "\(number) email invite\(count == 1 ? " is" : "s are") on the way"
        case .requeued: return "\(number) email\(count == 1 ? " is" : "s are") queued again"
        }
    }

    /// The query pairs that name this notice.
    func pairs(count: Int) -> [(name: String, value: String)] {
        [("done", rawValue), ("n", String(count))]
    }

    /// The notice a page's address names, as template context; false for none or an unknown one.
    static func context(for request: Request) -> TemplateValue {
        guard let notice = request.queryValue("done").flatMap(Notice.init(rawValue:)),
              let count = RequestNumber.parse(request.queryValue("n"), in: RequestNumber.smallCounts) else { return false }
        return .text(notice.text(count: count))
    }
}
