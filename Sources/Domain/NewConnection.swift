import Storage

public struct Benefit: Sendable, Equatable {
    public let kind: BenefitKind
    public let discountPercent: Int?

    public init(_ kind: BenefitKind, discountPercent: Int? = nil) {
        self.kind = kind
        self.discountPercent = discountPercent
    }

    /// "Discounted charging (20%)" as the table shows it.
    public var label: String {
        discountPercent.map { "\(kind.rawValue) (\($0)%)" } ?? kind.rawValue
    }
}

/// Everything needed to store a connection; codes are drawn by the caller.
public struct NewConnection: Sendable {
    public var orgID: Int
    public var name: String
    public var status: ConnectionStatus
    public var type: ConnectionType
    public var approval: ApprovalType
    public var visibility: Visibility
    public var benefits: [Benefit]
    public var questions: [String]
    public var emailDomains: [String]
    public var searchCode: String
    public var inviteToken: String
    public var createdAt: String
    public var updatedAt: String

    public init(orgID: Int, name: String, status: ConnectionStatus, type: ConnectionType, approval: ApprovalType,
                visibility: Visibility, benefits: [Benefit], questions: [String], emailDomains: [String],
                searchCode: String, inviteToken: String, createdAt: String, updatedAt: String) {
        self.orgID = orgID
        self.name = name
        self.status = status
        self.type = type
        self.approval = approval
        self.visibility = visibility
        self.benefits = benefits
        self.questions = questions
        self.emailDomains = emailDomains
        self.searchCode = searchCode
        self.inviteToken = inviteToken
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// Writes connections and their child rows, and with them the display lists
/// (`benefits_list`, `questions_list`) that the table reads. The only writer of
/// those tables; the caller owns the transaction.
public struct ConnectionWriter {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    @discardableResult
    public func insert(_ connection: NewConnection) throws -> Int {
        let id = try database.insertReturningID("""
            INSERT INTO connections (org_id, name, status, connection_type, approval_type, visibility,
                                     search_code, invite_token, benefits_list, questions_list, created_at, updated_at)
            VALUES (\(p: 1), \(p: 2), \(p: 3), \(p: 4), \(p: 5), \(p: 6), \(p: 7), \(p: 8), \(p: 9), \(p: 10), \(p: 11), \(p: 12))
            """, [.init(connection.orgID), .text(connection.name), .text(connection.status.rawValue),
                  .text(connection.type.rawValue), .text(connection.approval.rawValue), .text(connection.visibility.rawValue),
                  .text(connection.searchCode), .text(connection.inviteToken),
                  .text(connection.benefits.map(\.label).joined(separator: "\n")), .text(connection.questions.joined(separator: "\n")),
                  .text(connection.createdAt), .text(connection.updatedAt)])
        try insertChildren(id, benefits: connection.benefits, questions: connection.questions, domains: connection.emailDomains)
        return id
    }

    /// The child rows behind the display lists; an edit deletes the old ones first.
    func insertChildren(_ id: Int, benefits: [Benefit], questions: [String], domains: [String]) throws {
        try database.insertRows(into: "connection_benefits", columns: ["connection_id", "position", "kind", "discount_percent"],
                                rows: benefits.enumerated().map { position, benefit in
                                    [.init(id), .init(position), .text(benefit.kind.rawValue), benefit.discountPercent.map { .init($0) } ?? .null]
                                })
        try database.insertRows(into: "connection_questions", columns: ["connection_id", "position", "prompt"],
                                rows: questions.enumerated().map { [.init(id), .init($0), .text($1)] })
        try database.insertRows(into: "connection_email_domains", columns: ["connection_id", "domain"],
                                rows: domains.map { [.init(id), .text($0)] })
    }
}
