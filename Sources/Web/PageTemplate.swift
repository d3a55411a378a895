/// Every page template the code renders, by its file in `Views/` (`Views` refuses to load a
/// folder that lacks one, so a missing page stops the start, not the first request for it).
enum PageTemplate: String, CaseIterable, Sendable {
    case accountEmail = "account-email"
    case askedBefore = "asked-before"
    case audit
    case bulkConfirm = "bulk-confirm"
    case confirmEmail = "confirm-email"
    case connection
    case connectionForm = "connection-form"
    case connections
    case directory
    case emailSent = "email-sent"
    case email
    case error
    case find
    case invitation
    case invitations
    case invite
    case join
    case linkGone = "link-gone"
    case login
    case organizations
    case overview
    case requests
    case requestsConfirm = "requests-confirm"
    case rotateConfirm = "rotate-confirm"
    case rosterImport = "roster-import"
    case connectionImport = "connection-import"
    case search
    case sso
    case status
    case tokens
    case unsubscribe
    case users
    case webhook
    case webhooks
}
