import Foundation

/// A connection's settings, typed and whole: what `CreateConnection` stores and what
/// `UpdateConnection` makes by merging its changes into the stored settings. `problems` is the one
/// place of the connection's field rules, the linked ones included (a discount goes with
/// Discounted charging, email domains with approval by email domain); the form and the API only
/// turn their text into these values.
public struct ConnectionSettings: Sendable, Equatable {
    public var name: String
    public var nameForDrivers: String
    public var type: ConnectionType
    public var status: ConnectionStatus
    public var visibility: Visibility
    public var approval: ApprovalType
    public var benefits: [BenefitKind]
    /// With Discounted charging only.
    public var discountPercent: Int?
    /// With approval by email domain only; lowercased, each once, sorted when stored.
    public var emailDomains: [String]
    public var questions: [String]

    public init(name: String, nameForDrivers: String, type: ConnectionType = .standard, status: ConnectionStatus = .enabled,
                visibility: Visibility = .private, approval: ApprovalType = .manual, benefits: [BenefitKind],
                discountPercent: Int? = nil, emailDomains: [String] = [], questions: [String] = []) {
        self.name = name
        self.nameForDrivers = nameForDrivers
        self.type = type
        self.status = status
        self.visibility = visibility
        self.approval = approval
        self.benefits = benefits
        self.discountPercent = discountPercent
        self.emailDomains = emailDomains
        self.questions = questions
    }

    /// As stored: names and questions trimmed (blank questions left out), benefits in the catalog's
    /// order, domains lowercased without a leading "@", each once.
    public var normalized: ConnectionSettings {
        var settings = self
        settings.name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        settings.nameForDrivers = nameForDrivers.trimmingCharacters(in: .whitespacesAndNewlines)
        settings.benefits = BenefitKind.allCases.filter(benefits.contains)
        settings.emailDomains = Array(Set(emailDomains.map { $0.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "@ ")) }
            .filter { !$0.isEmpty })).sorted()
        settings.questions = questions.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        return settings
    }

    /// The benefits as stored, the discount with its benefit.
    public var storedBenefits: [Benefit] {
        benefits.map { $0 == .discountedCharging ? Benefit($0, discountPercent: discountPercent) : Benefit($0) }
    }

    /// What a discount or domains are refused with when what keeps them is not chosen (the form never
    /// sends them then: it hides those fields).
    public static let discountUnkept = "A discount goes with Discounted charging: choose that benefit, or give no discount."
    public static let domainsUnkept = "Email domains go with approval by email domain: choose that approval type, or list no domains."

    /// Every broken rule of these (normalized) settings, by the form's field name.
    public func problems(nameTaken: (String) throws -> Bool) rethrows -> [String: String] {
        var problems: [String: String] = [:]
        if !StoredText.isLine(nameForDrivers, upTo: ConnectionDraft.longestNameForDrivers) {
            problems["name_for_drivers"] = "Enter the name drivers see (1 to 200 characters, on one line)."
        }
        if !StoredText.isLine(name, upTo: ConnectionDraft.longestName) {
            problems["name"] = "Enter a connection name of 1 to 100 characters, on one line."
        } else if try nameTaken(name) {
            problems["name"] = ConnectionDraft.nameTaken(name)
        }
        if benefits.contains(.discountedCharging) {
            if !(discountPercent.map(ConnectionDraft.discountPercents.contains) ?? false) {
                problems["discount"] = "Enter the discount as a whole percentage from 1 to 100."
            }
        } else if discountPercent != nil {
            problems["discount"] = Self.discountUnkept
        }
        if benefits.isEmpty { problems["benefits"] = "Choose at least one benefit." }
        if approval == .emailDomain {
            if emailDomains.isEmpty { problems["domains"] = "List the email domains to approve, like example.com." }
            else if let bad = emailDomains.first(where: { !ConnectionDraft.isDomain($0) }) {
                problems["domains"] = "“\(bad.prefix(80))” is not a domain like example.com."
            }
        } else if !emailDomains.isEmpty {
            problems["domains"] = Self.domainsUnkept
        }
        if questions.count > ConnectionDraft.mostQuestions { problems["questions"] = "Ask at most \(ConnectionDraft.mostQuestions) questions." }
        if questions.contains(where: { !StoredText.isLine($0, upTo: ConnectionDraft.longestQuestion) }) {
            problems["questions"] = "Keep each question to one line of at most 120 characters."
        }
        if Set(questions.map { $0.lowercased() }).count != questions.count { problems["questions"] = "Ask each question once." }
        return problems
    }
}

/// A command refused for its fields: each problem by the form's field name, to show next to it.
public struct FieldProblems: Error, Sendable, Equatable {
    public let byField: [String: String]

    public init(_ byField: [String: String]) {
        self.byField = byField
    }
}

extension ConnectionSettings {
    /// The fields that differ from `other`, by the names the API and the events give them.
    public func changedFields(to other: ConnectionSettings) -> [String] {
        let fields: [(String, Bool)] = [
            ("name", name != other.name), ("name_for_drivers", nameForDrivers != other.nameForDrivers), ("connection_type", type != other.type),
            ("status", status != other.status), ("visibility", visibility != other.visibility), ("approval_type", approval != other.approval),
            ("benefits", benefits != other.benefits), ("discount_percent", discountPercent != other.discountPercent),
            ("email_domains", emailDomains != other.emailDomains), ("questions", questions != other.questions),
        ]
        return fields.filter(\.1).map(\.0)
    }
}
