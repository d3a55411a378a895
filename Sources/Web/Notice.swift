import Domain
import FastCGI

/// What a page says after an action succeeded. The address names the notice and a count
/// (`done=approved&n=3`), signed for the session that did it (`ns=`); the words come from here,
/// so a link cannot make a page say anything else, and a link made elsewhere (or by another user)
/// says nothing at all.
enum Notice: String, CaseIterable {
    case approved, denied, removed, created, saved, deleted
    /// Email invites queued; failed emails queued again.
    case emailed, requeued
    /// Email invites queued while email is not set up; SMTP settings saved; a test message sent.
    case queued, emailSettingsSaved, testSent
    /// A roster import applied: the drivers it added, connected or removed.
    case imported
    /// Memberships that end: a connection's length saved (n: connected drivers changed); drivers' ends set.
    case lengthSaved, endsSet
    /// Renewal: a connection's reminder days saved; drivers' renewals approved.
    case remindersSaved, renewed
    /// Re-verification: a connection's setting saved.
    case reverificationSaved

    func text(count: Int) -> String {
        let number = Format.integer(count)
        switch self {
        case .approved, .denied, .removed: return "\(number) driver\(count == 1 ? "" : "s") \(rawValue)"
        case .saved, .deleted: return "\(number) connection\(count == 1 ? "" : "s") \(rawValue)"
        case .created: return "Connection created. Next, invite drivers: send them the invite link below, or share or print its QR code"
        case .emailed: return "\(number) email invite\(count == 1 ? " is" : "s are") on the way"
        case .requeued: return "\(number) email\(count == 1 ? " is" : "s are") queued again"
        case .queued: return "\(number) invite\(count == 1 ? "" : "s") queued: email is not set up"
        case .emailSettingsSaved: return "Email settings saved: what waits goes out now"
        case .testSent: return "A test message went to your address: check that it arrived"
        case .imported: return "Import applied: \(number) driver\(count == 1 ? "" : "s") added, connected or removed"
        case .lengthSaved: return "Membership length saved" + (count > 0 ? ", and the end of \(number) connected driver\(count == 1 ? "" : "s") changed" : "")
        case .endsSet: return "Membership end set for \(number) driver\(count == 1 ? "" : "s")"
        case .remindersSaved: return "Renewal reminders saved"
        case .reverificationSaved: return "Re-verification saved"
        case .renewed: return "\(number) membership\(count == 1 ? "" : "s") renewed"
        }
    }

    /// The query pairs that name this notice, signed for `page`'s session.
    func pairs(count: Int, for page: Page) -> [(name: String, value: String)] {
        [("done", rawValue), ("n", String(count)), ("ns", page.handler.formSignature.signature(of: Self.signed(rawValue, count, page)))]
    }

    /// The notice a page's address names, as template context; false for none, an unknown one, or
    /// one not signed for this session.
    static func context(for page: Page) -> TemplateValue {
        let request = page.request
        guard let notice = request.queryValue("done").flatMap(Notice.init(rawValue:)),
              let count = RequestNumber.parse(request.queryValue("n"), in: RequestNumber.smallCounts),
              let signature = request.queryValue("ns"),
              page.handler.formSignature.verifies(signature, of: signed(notice.rawValue, count, page)) else { return false }
        return .text(notice.text(count: count))
    }

    /// What the signature covers: the notice, its count, and the session by its CSRF token, which
    /// only that session's pages carry.
    private static func signed(_ notice: String, _ count: Int, _ page: Page) -> String {
        "notice.\(page.session.csrfToken).\(notice).\(count)"
    }
}
