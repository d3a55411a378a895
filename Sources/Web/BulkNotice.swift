import Domain
import FastCGI

/// What the table says after a bulk enable or disable: the outcome as the change recorded it
/// (what changed, what was skipped and why) and, while it may be pressed, its Undo. The address
/// names the change (`bulk=7`), signed for the session that made it (`bs=`), like `Notice`; the
/// words come from the database, and only that session's pages show them.
struct BulkNotice {
    let page: Page

    /// The query pairs that name a bulk change, signed for this session.
    func pairs(_ id: Int) -> [(name: String, value: String)] {
        [("bulk", String(id)), ("bs", signature(id))]
    }

    func signature(_ id: Int) -> String {
        page.handler.formSignature.signature(of: "bulk.\(page.session.csrfToken).\(id)")
    }

    /// The bulk change a signed pair of values names; nil when unsigned or signed for another session.
    func signedID(_ value: String?, signature given: String?) -> Int? {
        guard let id = RequestNumber.parse(value, in: RequestNumber.ids), let given,
              page.handler.formSignature.verifies(given, of: "bulk.\(page.session.csrfToken).\(id)") else { return nil }
        return id
    }

    var sessionHash: String { Secret.hash(page.session.token) }

    /// The notice for the table's template; false for none.
    func context(state: String) throws -> TemplateValue {
        guard let id = signedID(page.request.queryValue("bulk"), signature: page.request.queryValue("bs")),
              let record = try BulkStatusChange(database: page.database).record(id, userID: page.access.userID, sessionHash: sessionHash) else {
            return false
        }
        return [
            "text": .text(record.undoOutcome ?? record.outcome),
            "undo": record.undoable ? [
                "id": .text(id), "signature": .text(signature(id)), "state": .text(state),
                "until": .text(DateText.display(record.undoUntil)),
            ] : false,
        ]
    }
}
