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

    /// Checks every field; the problems are keyed by field name, to show next to each.
    public func validated(existingNames: (Int, String) throws -> Bool) rethrows -> Result<Validated, Problems> {
        var problems: [String: String] = [:]
        let orgID = RequestNumber.parse(organizationID, in: RequestNumber.ids)
        if orgID == nil { problems["org"] = "Choose an organization." }
        let forDrivers = nameForDrivers.trimmingCharacters(in: .whitespacesAndNewlines)
        if !StoredText.isLine(forDrivers, upTo: Self.longestNameForDrivers) {
            problems["name_for_drivers"] = "Enter the name drivers see (1 to 200 characters, on one line)."
        }
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        if !StoredText.isLine(name, upTo: Self.longestName) {
            problems["name"] = "Enter a connection name of 1 to 100 characters, on one line."
        } else if let orgID, try existingNames(orgID, name) {
            problems["name"] = Self.nameTaken(name)
        }
        let type = ConnectionType(rawValue: type)
        if type == nil { problems["type"] = "Choose a connection type." }
        let status = ConnectionStatus(rawValue: status)
        if status == nil { problems["status"] = "Choose Enabled or Disabled." }
        let visibility = Visibility(rawValue: visibility)
        if visibility == nil { problems["visibility"] = "Choose Public or Private." }
        let approval = ApprovalType(rawValue: approval)
        if approval == nil { problems["approval"] = "Choose an approval type." }
        var benefits: [Benefit] = []
        for kind in BenefitKind.allCases where self.benefits.contains(kind.rawValue) {
            if kind == .discountedCharging {
                guard let percent = RequestNumber.parse(discountPercent.trimmingCharacters(in: .whitespaces), in: Self.discountPercents) else {
                    problems["discount"] = "Enter the discount as a whole percentage from 1 to 100."
                    continue
                }
                benefits.append(Benefit(kind, discountPercent: percent))
            } else {
                benefits.append(Benefit(kind))
            }
        }
        if self.benefits.contains(where: { BenefitKind(rawValue: $0) == nil }) { problems["benefits"] = "Choose benefits from the list." }
        else if benefits.isEmpty && problems["discount"] == nil { problems["benefits"] = "Choose at least one benefit." }
        let domains = emailDomains.split(whereSeparator: { $0 == "," || $0.isNewline || $0 == " " })
            .map { $0.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "@ ")) }.filter { !$0.isEmpty }
        if approval == .emailDomain {
            if domains.isEmpty { problems["domains"] = "List the email domains to approve, like example.com." }
            else if let bad = domains.first(where: { !Self.isDomain($0) }) { problems["domains"] = "“\(bad.prefix(80))” is not a domain like example.com." }
        }
        let questions = questions.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        if questions.count > Self.mostQuestions { problems["questions"] = "Ask at most \(Self.mostQuestions) questions." }
        if questions.contains(where: { !StoredText.isLine($0, upTo: Self.longestQuestion) }) {
            problems["questions"] = "Keep each question to one line of at most 120 characters."
        }
        if Set(questions.map { $0.lowercased() }).count != questions.count { problems["questions"] = "Ask each question once." }
        guard problems.isEmpty, let orgID, let type, let status, let visibility, let approval else { return .failure(Problems(byField: problems)) }
        return .success(Validated(organizationID: orgID, nameForDrivers: forDrivers, name: name, type: type, status: status,
                                  visibility: visibility, approval: approval, benefits: benefits,
                                  emailDomains: approval == .emailDomain ? Array(Set(domains)).sorted() : [], questions: questions))
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

    public struct Problems: Error, Sendable {
        public let byField: [String: String]
    }

    /// A draft that passed every check.
    public struct Validated: Sendable, Equatable {
        public let organizationID: Int
        public let nameForDrivers: String
        public let name: String
        public let type: ConnectionType
        public let status: ConnectionStatus
        public let visibility: Visibility
        public let approval: ApprovalType
        public let benefits: [Benefit]
        public let emailDomains: [String]
        public let questions: [String]
    }
}
