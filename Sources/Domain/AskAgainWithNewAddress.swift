import Storage

/// The request a driver asks again from with a different address ("use your work email"): read
/// from its status link, checked again and linked to the new request in the new request's transaction.
struct EarlierRequest {
    let membership: Int
    let connectionID: Int
    let email: String

    /// Under the connection's lock, in the transaction that wrote the new request `membership`: the
    /// earlier one must still be Denied or Removed (a host may have decided a moment ago); it stays
    /// as it was, and the audit log says which request followed it and why.
    func followed(by membership: Int, email newEmail: String, organizationID: Int, connectionName: String, in database: Database) throws {
        let state = try database.query("SELECT state FROM memberships WHERE id = \(p: 1)", [.init(self.membership)], row: {
            try $0.decode(MembershipState.self, 0, table: "memberships", key: "id \(self.membership)")
        }).first
        guard state == .denied || state == .removed else {
            throw UserError.conflict("This request is \(state?.rawValue ?? "gone"): there is nothing to ask again.")
        }
        try AuditLog(database: database).record(actorID: nil, actor: newEmail, organizationID: organizationID,
                                               action: "Driver asked again with a new address", subject: newEmail,
                                               details: ["connection": connectionName, "earlier_address": email,
                                                         "earlier_request": String(self.membership), "request": String(membership)])
    }
}

extension JoinRequests {
    /// A Denied or Removed driver asks again, from the status page whose private token proves it is
    /// them, with a different email address. It is a new request of that address, proved as a first
    /// request is (`RequestToJoin`: the approval rule, the email confirmation when email is set
    /// up, the same limits); the earlier request is not changed.
    public func askAgain(statusToken: String, _ draft: JoinForm, withNewAddressFrom sender: JoinLimits.Sender) throws -> JoinOutcome {
        guard let earlier = try database.query("""
            SELECT m.id, m.connection_id, d.email FROM memberships m JOIN drivers d ON d.id = m.driver_id
            WHERE \(StatusLinks.leadsTo("m", parameter: "\(p: 1)"))
            """, [.text(Secret.hash(statusToken))], row: { EarlierRequest(membership: $0.int(0), connectionID: $0.int(1), email: $0.text(2)) }).first,
              let joinable = try joinables("SELECT \(Self.joinableColumns) WHERE c.id = \(p: 1)", [.init(earlier.connectionID)]).first else {
            throw UserError.notFound("This status link is not valid. Use the link from when you sent your request.")
        }
        if let email = try? Accounts.validEmail(draft.email), email.lowercased() == earlier.email.lowercased() {
            throw UserError.badRequest("This is the address of this request: to ask again with it, leave the new address empty.")
        }
        return try RequestToJoin(draft, to: joinable, after: earlier).run(from: sender, with: self)
    }
}
