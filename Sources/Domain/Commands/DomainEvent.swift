/// What a command did, as later deliveries (webhooks, metrics) will tell it: a typed kind, the
/// organization it happened in, the ids of its subjects and a small payload. Each command emits
/// its events inside its own transaction (`DomainEvents.record`), so an event exists exactly when
/// its change was committed.
public struct DomainEvent: Sendable, Equatable {
    /// Named as webhook event types are ("connection.created"): the stored `kind`.
    public enum Kind: String, CaseIterable, Sendable {
        case connectionCreated = "connection.created"
        case connectionUpdated = "connection.updated"
        case connectionStatusChanged = "connection.status_changed"
        case connectionDeleted = "connection.deleted"
        case inviteRotated = "connection.invite_rotated"
        case driverRequested = "membership.requested"
        case driverAskedAgain = "membership.requested_again"
        case requestApproved = "membership.approved"
        case requestDenied = "membership.denied"
        case driverRemoved = "membership.removed"
        /// Memberships that end: ended on time by the sweep (`MembershipExpiry`), and an end set or cleared by a host.
        case membershipExpired = "membership.expired"
        case membershipExpirySet = "membership.expiry_set"
        /// Renewal (`MembershipRenewal`): a driver's membership renewed, by the connection's rule or by a host.
        case membershipRenewed = "membership.renewed"
        case userInvited = "user.invited"
        case invitationRevoked = "user.invitation_revoked"
        case roleChanged = "user.role_changed"
        case userRemoved = "user.removed"
        case invitesSent = "invites.sent"
        case exportStarted = "export.started"
        case importCompleted = "import.completed"
    }

    public let kind: Kind
    public let organizationID: Int
    public var connectionID: Int?
    public var membershipID: Int?
    /// The console user the event is about (invited, given a role, removed), not who acted.
    public var userID: Int?
    /// What a receiver needs beyond the ids, e.g. the fields that changed or the new status.
    public var payload: JSON

    public init(_ kind: Kind, organization: Int, connection: Int? = nil, membership: Int? = nil, user: Int? = nil,
                payload: JSON = .object([])) {
        self.kind = kind
        organizationID = organization
        connectionID = connection
        membershipID = membership
        userID = user
        self.payload = payload
    }
}

/// An event as stored: its place in the log and when it happened.
public struct RecordedEvent: Sendable, Equatable {
    public let id: Int
    public let occurredAt: String
    public let event: DomainEvent
}
