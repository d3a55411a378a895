import Foundation
import Storage

/// The secrets of an email's links, drawn by the sender right before it sends the email, so the
/// outbox (queued, failed or sent) holds only what a link leads to, never a link that works.
/// Only their hashes are stored, like every secret (`Secret`).
public struct EmailLinks: Sendable {
    /// The driver's status link (every email about a request).
    public let status: String?
    /// The address's confirmation link (an email confirmation).
    public let confirmation: String?
    /// The invitation link (a user invitation).
    public let invitation: String?

    /// The outbox payload's key for the invitation an email is about.
    static let invitationKey = "invitationID"

    /// In one transaction, new links for `item`; nil when what they would lead to is gone (the
    /// request deleted, its confirmation used or withdrawn, the invitation answered, revoked or
    /// expired): the email is skipped. Each send draws its own, so a resend after a crash carries
    /// links that work: status and confirmation links add to those already sent (every one of a
    /// request's status links works, each confirmation link until it expires); an invitation has
    /// one link, replaced, so the earlier copy's link stops working (the person can still answer
    /// at sign-in, and the Admin can invite again).
    public static func draw(for item: OutboxItem, database: Database, now: Date = Date()) throws -> EmailLinks? {
        // What the links lead to is locked as its answers lock it: a request by its connection, an
        // invitation by its organization (the sender is one process: these meet a user's answer, not each other).
        let keys = item.kind == .userInvitation ? item.organizationID.map { [LockKey.organization($0)] } ?? []
            : try MembershipKeys.connections(of: item.membershipID.map { [$0] } ?? [], in: database)
        return try database.transaction(locking: keys) {
            switch item.kind {
            case .invite, .digest, .viewReport:
                return EmailLinks(status: nil, confirmation: nil, invitation: nil)
            case .userInvitation:
                guard let id = RequestNumber.parse(item.payload[invitationKey], in: RequestNumber.ids),
                      let invitation = try UserInvitations(database: database).issue(invitation: id, now: now) else { return nil }
                return EmailLinks(status: nil, confirmation: nil, invitation: invitation)
            case .requestReceived, .requestApproved, .requestDenied, .driverRemoved, .statusLink, .emailConfirmation, .renewalReminder, .reverification:
                guard let membership = item.membershipID,
                      try database.scalarInt("SELECT count(*) FROM memberships WHERE id = \(p: 1)", [.init(membership)]) > 0 else { return nil }
                var confirmation: String?
                if item.kind == .emailConfirmation {
                    guard let drawn = try EmailConfirmations(database: database).issue(membership: membership, now: now) else { return nil }
                    confirmation = drawn
                }
                return EmailLinks(status: try StatusLinks(database: database).issue(membership: membership), confirmation: confirmation, invitation: nil)
            }
        }
    }
}
