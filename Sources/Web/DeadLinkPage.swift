import Domain
import FastCGI

/// The answer to a driver's link that leads nowhere now: 410, with what happened and what to do,
/// on the driver's plain header. The app keeps no list of retired links (a rotated invite token is
/// overwritten, a status link is stored only as a hash), so a link under /join/ or /status/ that
/// matches nothing is taken as one we handed out and retired: the driver's next step is the same
/// whether it was rotated, its connection deleted, or it was copied incompletely.
enum DeadLink {
    /// An invite link no connection has now: rotated, or its connection deleted.
    case inviteLink
    /// The invite link of a connection that is disabled: it works again when the host enables it.
    case disabled(organization: String, connection: String)
    /// A status link no request has: the request is gone with its connection, or the link is cut short.
    case statusLink

    static let status = 410

    func response(_ handler: ConsoleHandler) -> Response {
        var context: [String: TemplateValue] = ["driverPage": true, "findURL": .text(handler.configuration.absoluteURL("/find"))]
        let title: String
        switch self {
        case .inviteLink:
            title = "This invite link no longer works"
            context["happened"] = .text("The host replaced this link with a new one, or removed the connection it opened. "
                + "Printed QR codes of this link stop working too.")
            context["steps"] = .list([
                .text("Ask the host (whoever gave you the link) for the new invite link or QR code."),
                .text("If the host gave you a search code, type it on the find page."),
                .text("Already asked to join? Your request is not affected: the status link you got when you asked still shows it."),
            ])
        case .disabled(let organization, let connection):
            title = "“\(connection)” is not taking new drivers"
            context["driverPage"] = DriverPages.header(host: organization)
            context["organization"] = .text(organization)
            context["happened"] = .text("\(organization) has turned this connection off for now, so it takes no requests to join. "
                + "Drivers already connected keep their benefits.")
            context["steps"] = .list([
                .text("Ask \(organization) whether they will turn it on again: this link works again when they do."),
                .text("Ask \(organization) for another connection to join, with its invite link or search code."),
            ])
        case .statusLink:
            title = "This status link no longer works"
            context["happened"] = .text("No request has this link now: the host may have removed the connection it was for, "
                + "or the link was cut short when it was copied.")
            context["steps"] = .list([
                .text("Open the link again from the page or the email you had it from, and check it was copied whole."),
                .text("Ask to join again, with the invite link or search code the host gave you (or ask the host for them)."),
            ])
        }
        context["heading"] = .text(title)
        return handler.html(status: Self.status, page: .linkGone, title: title, session: nil, context)
    }
}
