/// What a webhook carries: the event types a subscription chooses from, each made from a
/// `DomainEvent` a command recorded. `membership.expired` (issue 25) and `import.completed` (issue 24)
/// are declared here already: their commands' `DomainEvent.Kind` cases, spelled the same, map by name.
public enum WebhookEventType: String, CaseIterable, Sendable {
    case membershipRequested = "membership.requested"
    case membershipApproved = "membership.approved"
    case membershipDenied = "membership.denied"
    case membershipRemoved = "membership.removed"
    case membershipExpired = "membership.expired"
    case connectionCreated = "connection.created"
    case connectionUpdated = "connection.updated"
    case connectionEnabled = "connection.enabled"
    case connectionDisabled = "connection.disabled"
    case connectionRotated = "connection.rotated"
    case importCompleted = "import.completed"
    /// Sent by "Send test event" only; no command emits it.
    case test = "webhook.test"

    /// The types a subscription may choose (the test event goes to whoever asks for it).
    public static let subscribable = allCases.filter { $0 != .test }

    /// The payloads' version: raised when a field changes meaning or goes; new fields keep it.
    public static let payloadVersion = 1

    /// The webhook type of a recorded event, nil for events no webhook carries (user and export events).
    public init?(_ event: DomainEvent) {
        switch event.kind {
        case .driverAskedAgain: self = .membershipRequested
        case .inviteRotated: self = .connectionRotated
        case .connectionStatusChanged:
            self = event.payload["status"]?.string == ConnectionStatus.disabled.rawValue ? .connectionDisabled : .connectionEnabled
        default:
            guard let type = WebhookEventType(rawValue: event.kind.rawValue), type != .test else { return nil }
            self = type
        }
    }

    public var isMembership: Bool { rawValue.hasPrefix("membership.") }

    /// What the page and the document say each type means.
    public var summary: String {
        switch self {
        case .membershipRequested: return "A driver asked to join a connection (again, after a denial: `again` is true)."
        case .membershipApproved: return "A driver's request was approved: the driver is connected."
        case .membershipDenied: return "A driver's request was denied, with the reason the driver reads."
        case .membershipRemoved: return "A connected driver was removed from a connection."
        case .membershipExpired: return "A driver's membership reached its end date."
        case .connectionCreated: return "A connection was created."
        case .connectionUpdated: return "A connection's settings changed (`changed` names the fields)."
        case .connectionEnabled: return "A connection was enabled."
        case .connectionDisabled: return "A connection was disabled."
        case .connectionRotated: return "A connection's invite link and code were replaced."
        case .importCompleted: return "A bulk import finished."
        case .test: return "Sent by “Send test event”."
        }
    }
}
