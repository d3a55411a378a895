import Foundation
import Storage

/// Invites by email from the Invite drivers panel: addresses pasted (commas, spaces, semicolons
/// or lines), each checked; duplicates and drivers already connected skipped; a daily limit per
/// organization; each batch audited (sending is the command `SendInvites`). Each invite carries the link, its QR code and, for a
/// private connection, the search code, as they are when it is sent.
public struct EmailInvites {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// Addresses in one batch.
    public static let perBatch = 500
    /// Invites an organization may send in 24 hours, unless the operator sets another (`serve --email-invites-per-day`).
    public static let perOrganizationPerDay = 1000

    /// A batch as checked before it is sent.
    public struct Check: Sendable, Equatable {
        /// To invite, in the order given.
        public var addresses: [String] = []
        /// What is not an email address (at most the first 20 shown), and how many.
        public var invalid: [String] = []
        public var invalidCount = 0
        public var duplicates = 0
        public var alreadyConnected = 0
    }

    /// The pieces of a pasted list.
    static func pieces(of text: String) -> [String] {
        text.split(whereSeparator: { $0.isWhitespace || $0 == "," || $0 == ";" }).map(String.init)
    }

    /// Checks a pasted list against connection `connectionID`.
    public func check(_ text: String, connectionID: Int) throws -> Check {
        let pieces = Self.pieces(of: text)
        guard !pieces.isEmpty else { throw UserError.badRequest("Paste at least one email address.") }
        guard pieces.count <= Self.perBatch else {
            throw UserError.badRequest("Paste at most \(Self.perBatch) addresses at once (this list has \(pieces.count)).")
        }
        var check = Check()
        var seen = Set<String>()
        for piece in pieces {
            let address = piece.hasPrefix("<") && piece.hasSuffix(">") ? String(piece.dropFirst().dropLast()) : piece
            guard MailAddress.isUsable(address), (try? Accounts.validEmail(address)) != nil else {
                check.invalidCount += 1
                if check.invalid.count < 20 { check.invalid.append(String(piece.prefix(100))) }
                continue
            }
            guard seen.insert(address.lowercased()).inserted else {
                check.duplicates += 1
                continue
            }
            check.addresses.append(address)
        }
        let addresses = SQLFragment.list(check.addresses.map { .text($0.lowercased()) })
        let connected = try Set(database.query("""
            SELECT lower(d.email) FROM memberships m JOIN drivers d ON d.id = m.driver_id
            WHERE m.connection_id = \(p: 1) AND m.state = 'Connected' AND lower(d.email) IN \(addresses)
            """, [.init(connectionID)]) { $0.text(0) })
        check.alreadyConnected = check.addresses.filter { connected.contains($0.lowercased()) }.count
        check.addresses.removeAll { connected.contains($0.lowercased()) }
        return check
    }

    /// How many more invites the organization may send today.
    public func remainingToday(organizationID: Int, limit: Int, now: Date = Date()) throws -> Int {
        max(0, limit - (try database.scalarInt("""
            SELECT count(*) FROM outbox WHERE org_id = \(p: 1) AND kind = 'invite' AND created_at > \(p: 2)
            """, [.init(organizationID), .text(DateText.store(now.addingTimeInterval(-24 * 60 * 60)))])))
    }
}
