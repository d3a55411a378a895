/// A connection's fields by the names the API gives them, each with the console form's name, so
/// that the bodies (`ConnectionInput`, `ConnectionChanges`), the answer (`ConnectionAnswer`) and
/// the form's problems and differences, named by the form, speak of the same fields.
enum ConnectionField: String, CaseIterable {
    case organization = "organization_id", version, name, nameForDrivers = "name_for_drivers", type = "connection_type", status, visibility
    case approval = "approval_type", benefits, discount = "discount_percent", domains = "email_domains", questions

    var formName: String {
        switch self {
        case .organization: return "org"
        case .type: return "type"
        case .approval: return "approval"
        case .discount: return "discount"
        case .domains: return "domains"
        default: return rawValue
        }
    }

    /// The API's name of a field the form names (a name the form alone has stays as it is).
    static func apiName(formName: String) -> String {
        allCases.first { $0.formName == formName }?.rawValue ?? formName
    }
}
