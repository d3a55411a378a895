import Foundation
import Storage

/// The connection form as typed: every value kept as text, so a page with problems shows
/// exactly what the user entered.
public struct ConnectionDraft: Sendable {
    public var organizationID: String = ""
    public var nameForDrivers: String = ""
    public var name: String = ""
    public var type: String = ConnectionType.standard.rawValue
    public var status: String = ConnectionStatus.enabled.rawValue
    public var visibility: String = Visibility.private.rawValue
    public var approval: String = ApprovalType.manual.rawValue
    /// Benefit kinds ticked, and the discount typed for Discounted charging.
    public var benefits: [String] = []
    public var discountPercent: String = ""
    /// One domain per line or separated by commas.
    public var emailDomains: String = ""
    public var questions: [String] = []
    /// The version the form was opened at, for edits.
    public var version: String = ""

    public init() {}

    /// The form's text as typed settings: what cannot be read is a problem by field name, its value
    /// a stand-in (the rules still run on the rest, so the form shows every problem at once). A
    /// discount is read only with Discounted charging ticked and domains only with approval by email
    /// domain: the form hides those fields otherwise, and what it hides is not sent.
    public func parsed() -> (organizationID: Int?, settings: ConnectionSettings, problems: [String: String]) {
        var problems: [String: String] = [:]
        let orgID = RequestNumber.parse(organizationID, in: RequestNumber.ids)
        if orgID == nil { problems["org"] = "Choose an organization." }
        let type = ConnectionType(rawValue: type)
        if type == nil { problems["type"] = "Choose a connection type." }
        let status = ConnectionStatus(rawValue: status)
        if status == nil { problems["status"] = "Choose Enabled or Disabled." }
        let visibility = Visibility(rawValue: visibility)
        if visibility == nil { problems["visibility"] = "Choose Public or Private." }
        let approval = ApprovalType(rawValue: approval)
        if approval == nil { problems["approval"] = "Choose an approval type." }
        let kinds = BenefitKind.allCases.filter { self.benefits.contains($0.rawValue) }
        if self.benefits.contains(where: { BenefitKind(rawValue: $0) == nil }) { problems["benefits"] = "Choose benefits from the list." }
        var discount: Int?
        if kinds.contains(.discountedCharging) {
            // Unreadable, it is missing: the rules say so.
            discount = RequestNumber.parse(discountPercent.trimmingCharacters(in: .whitespaces), in: Self.discountPercents)
        }
        let domains = approval == .emailDomain ? emailDomains.split(whereSeparator: { $0 == "," || $0.isNewline || $0 == " " }).map(String.init) : []
        let settings = ConnectionSettings(name: name, nameForDrivers: nameForDrivers, type: type ?? .standard, status: status ?? .enabled,
                                          visibility: visibility ?? .private, approval: approval ?? .manual,
                                          benefits: kinds, discountPercent: discount, emailDomains: domains, questions: questions).normalized
        return (orgID, settings, problems)
    }

    /// The form's limits, which the API's description states too.
    public static let mostQuestions = 20
    public static let longestName = 100
    public static let longestNameForDrivers = 200
    public static let longestQuestion = 120
    public static let discountPercents = 1...100
    public static let mostEmailDomains = 1000

    /// A field whose value another save changed: its form name, its label, this draft's value and theirs.
    public struct Difference: Sendable, Equatable {
        public let field: String
        public let label: String
        public let mine: String
        public let theirs: String
    }

    /// What differs between this draft and the connection as another save left it.
    public func differences(from theirs: ConnectionDraft) -> [Difference] {
        let fields: [(String, String, String, String)] = [
            ("name", "Connection name", name, theirs.name),
            ("name_for_drivers", "Organization name for drivers", nameForDrivers, theirs.nameForDrivers),
            ("type", "Connection type", type, theirs.type), ("status", "Status", status, theirs.status),
            ("visibility", "Visibility", visibility, theirs.visibility), ("approval", "Approval type", approval, theirs.approval),
            ("benefits", "Benefits", benefits.joined(separator: ", "), theirs.benefits.joined(separator: ", ")),
            ("discount", "Discount", discountPercent, theirs.discountPercent),
            ("questions", "Questions", questions.filter { !$0.isEmpty }.joined(separator: "; "), theirs.questions.joined(separator: "; ")),
            ("domains", "Email domains", emailDomains, theirs.emailDomains),
        ]
        return fields.filter { $0.2 != $0.3 }.map { Difference(field: $0.0, label: $0.1, mine: $0.2, theirs: $0.3) }
    }

    public static func nameTaken(_ name: String) -> String {
        "This organization already has a connection named “\(name)”."
    }

    /// A domain like example.com: at least two labels of letters, digits and inner hyphens, up to 253 characters.
    public static func isDomain(_ text: String) -> Bool {
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        return text.count <= longestDomain && labels.count >= 2 && labels.allSatisfy { label in
            (1...63).contains(label.count) && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }

    /// What `isDomain` takes, as a JSON Schema pattern (with a `maxLength` of `longestDomain`), in either case.
    public static let domainPattern = #"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"#
        + SchemaPattern.end
    public static let longestDomain = 253

    /// The settings as the form shows them.
    public init(_ settings: ConnectionSettings, organizationID: Int, version: Int) {
        self.organizationID = String(organizationID)
        nameForDrivers = settings.nameForDrivers
        name = settings.name
        type = settings.type.rawValue
        status = settings.status.rawValue
        visibility = settings.visibility.rawValue
        approval = settings.approval.rawValue
        benefits = settings.benefits.map(\.rawValue)
        discountPercent = settings.discountPercent.map(String.init) ?? ""
        emailDomains = settings.emailDomains.joined(separator: "\n")
        questions = settings.questions
        self.version = String(version)
    }
}
