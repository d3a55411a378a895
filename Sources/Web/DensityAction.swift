import Domain
import FastCGI

/// POST /connections/density: the table's Compact / Comfortable buttons. Saves the choice with the
/// user's account and returns to the same table, the focus on the button pressed.
struct DensityAction {
    let page: Page

    func respond() throws -> Response {
        let state = try TableState.parse(URLEncoding.parse(page.request.formValue("back") ?? ""))
        let density = try TableDensity(form: page.request.formValue("density"))
        try DensityPreferences(database: page.database).save(density, userID: page.access.userID)
        return .redirect(to: ConnectionsPage.url(state, path: "/connections") + "#density-" + density.rawValue)
    }

    /// The buttons' context on the table page.
    static func context(_ density: TableDensity, back: String) -> TemplateValue {
        [
            "back": .text(back),
            "current": .text(density.rawValue),
            "choices": .list(TableDensity.allCases.map { choice in
                ["value": .text(choice.rawValue), "label": .text(choice == .compact ? "Compact" : "Comfortable"),
                 "pressed": .text(choice == density ? "true" : "false")]
            }),
        ]
    }
}
