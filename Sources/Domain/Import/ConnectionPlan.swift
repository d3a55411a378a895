import Foundation
import Storage

/// What importing the connections table's export back would do: each row matched to a connection by
/// Org ID and Connection Name (in any case), its editable columns (status, type, approval,
/// visibility, benefits, questions) compared field by field; a row without a match is a new
/// connection. A row the caller may not change (another organization, a Viewer), a value the
/// rules refuse, or an edited read-only column (Org Name, counts, dates, invite link, search code)
/// is an invalid row naming the column. Written nowhere; `digest` names exactly this plan.
public struct ConnectionPlan: Sendable {
    public struct Change: Sendable, Equatable {
        public let label: String
        public let before: String
        public let after: String
    }

    public struct Entry: Sendable {
        public let row: Int
        public let organizationID: Int
        public let name: String
        /// The connection and its version when the row matched one.
        public let existing: (id: Int, version: Int)?
        public let changes: [Change]
        let settings: ConnectionSettings
    }

    public let fileName: String
    public let fileHash: String
    public internal(set) var new: [Entry] = []
    public internal(set) var changed: [Entry] = []
    public internal(set) var unchanged: [Entry] = []
    public internal(set) var invalid: [RosterPlan.Problem] = []

    /// The columns an import sets, by catalog key; the key columns; the rest are read-only.
    static let editable = ["status", "connection_type", "approval_type", "visibility", "benefits", "questions"]
    static let keys = ["org_id", "name"]

    public var counts: [(String, Int)] {
        [("new", new.count), ("unchanged", unchanged.count), ("changed", changed.count), ("invalid", invalid.count)]
    }

    public var digest: String {
        var text = "connections\n\(fileHash)\n"
        for entry in new + changed {
            text += "\(entry.row) \(entry.organizationID) \(entry.existing?.id ?? 0) v\(entry.existing?.version ?? 0) "
                + entry.changes.map { "\($0.label)=\($0.after)" }.joined(separator: "|") + "\n"
        }
        return SHA256.hex(text + "invalid \(invalid.count)\n")
    }

    /// The plan of `file` for `access`, with `inviteURL` spelling invite links as the export does.
    public static func make(_ file: ImportFile, by access: Access, inviteURL: (String) -> String, in database: Database) throws -> ConnectionPlan {
        var records = try file.records()
        guard !records.isEmpty else { throw UserError.badRequest("The file is empty: it needs a header row with Org ID and Connection Name.") }
        let columns = try Self.columns(of: records.removeFirst())
        var plan = ConnectionPlan(fileName: file.name, fileHash: file.hash)
        var seen: [String: Int] = [:]
        let editor = ConnectionEditor(database: database)
        for (index, record) in records.enumerated() {
            let row = index + 2
            let cells = record.map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.contains(where: { !$0.isEmpty }) else { continue }
            func cell(_ key: String) -> String? { columns[key].map { $0 < cells.count ? cells[$0] : "" } }
            func refuse(_ key: String, _ reason: String) { plan.invalid.append(.init(row: row, column: ColumnCatalog.column(key)?.label ?? key, reason: reason)) }
            guard let organization = RequestNumber.parse(cell("org_id"), in: RequestNumber.ids) else { refuse("org_id", "not an organization's id"); continue }
            guard access.roles[organization]?.allows(.manageConnections) == true else {
                refuse("org_id", "you may not change connections of organization \(organization)")
                continue
            }
            let name = cell("name") ?? ""
            let key = "\(organization) \(name.lowercased())"
            if let first = seen[key] { refuse("name", "\(name) of organization \(organization) is already in row \(first)"); continue }
            seen[key] = row
            let found = try database.query("SELECT id FROM connections WHERE org_id = \(p: 1) AND \(caseless: "name") = \(caseless: 2)",
                                           [.init(organization), .text(name)]) { $0.int(0) }.first
            let stored = try found.flatMap { try editor.stored($0) }
            let forDrivers = try database.query("SELECT name_for_drivers FROM organizations WHERE id = \(p: 1)", [.init(organization)]) { $0.text(0) }.first
            var settings = stored?.settings ?? ConnectionSettings(name: name, nameForDrivers: forDrivers ?? name, benefits: [])
            var changes: [Change] = []
            var problem: (String, String)?
            for key in editable {
                guard let text = cell(key), problem == nil else { continue }
                let label = ColumnCatalog.column(key)?.label ?? key
                do {
                    let before = Self.text(of: key, in: settings)
                    try Self.set(key, from: text, in: &settings)
                    let after = Self.text(of: key, in: settings)
                    if before != after || stored == nil { changes.append(Change(label: label, before: stored == nil ? "" : before, after: after)) }
                } catch let error as UserError {
                    problem = (key, error.message)
                }
            }
            if let problem { refuse(problem.0, problem.1); continue }
            if let found, let current = try Self.readOnlyValues(of: found, inviteURL: inviteURL, in: database) {
                if let edited = Self.readOnly.first(where: { key in cell(key).map { !$0.isEmpty && Self.normalized($0, key) != current[key] } ?? false }) {
                    refuse(edited, "is read-only: the file has “\(cell(edited)!.prefix(60))”, the connection \(current[edited] ?? "")")
                    continue
                }
            }
            let problems = try settings.normalized.problems(nameTaken: { try editor.nameTaken(orgID: organization, name: $0, except: found) })
            if let first = problems.sorted(by: { $0.key < $1.key }).first {
                refuse(Self.catalogKey(ofField: first.key), first.value)
                continue
            }
            let entry = Entry(row: row, organizationID: organization, name: name,
                              existing: stored.map { (found!, $0.version) }, changes: changes, settings: settings.normalized)
            if stored == nil { plan.new.append(entry) } else if changes.isEmpty { plan.unchanged.append(entry) } else { plan.changed.append(entry) }
        }
        return plan
    }

    static var readOnly: [String] { ColumnCatalog.all.map(\.key).filter { !editable.contains($0) && !keys.contains($0) } }

    /// The header's columns by catalog label ("Created (UTC)" as the export writes a date's).
    static func columns(of header: [String]) throws -> [String: Int] {
        var columns: [String: Int] = [:]
        for (index, raw) in header.enumerated() {
            let label = raw.trimmingCharacters(in: .whitespaces)
            guard !label.isEmpty else { continue }
            let bare = label.hasSuffix(" (UTC)") ? String(label.dropLast(6)) : label
            guard let column = ColumnCatalog.all.first(where: { $0.label.caseInsensitiveCompare(bare) == .orderedSame }) else {
                throw UserError.badRequest("Column \(index + 1) is \"\(label.prefix(100))\", which the connections table does not have.")
            }
            guard columns[column.key] == nil else { throw UserError.badRequest("The column \"\(column.label)\" appears twice in the header.") }
            columns[column.key] = index
        }
        for key in keys where columns[key] == nil {
            throw UserError.badRequest("The file has no \(ColumnCatalog.column(key)?.label ?? key) column: Org ID and Connection Name find each connection.")
        }
        return columns
    }

    /// A field as the export writes it.
    static func text(of key: String, in settings: ConnectionSettings) -> String {
        switch key {
        case "status": return settings.status.rawValue
        case "connection_type": return settings.type.rawValue
        case "approval_type": return settings.approval.rawValue
        case "visibility": return settings.visibility.rawValue
        case "benefits": return settings.storedBenefits.map(\.label).joined(separator: "\n")
        default: return settings.questions.joined(separator: "\n")
        }
    }

    static func set(_ key: String, from text: String, in settings: inout ConnectionSettings) throws {
        func value<T: RawRepresentable & CaseIterable>(_ type: T.Type) throws -> T where T.RawValue == String {
            guard let value = T.allCases.first(where: { $0.rawValue.caseInsensitiveCompare(text) == .orderedSame }) else {
                throw UserError.badRequest("“\(text.prefix(60))” is not one of: \(T.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return value
        }
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        switch key {
        case "status": settings.status = try value(ConnectionStatus.self)
        case "connection_type": settings.type = try value(ConnectionType.self)
        case "approval_type": settings.approval = try value(ApprovalType.self)
        case "visibility": settings.visibility = try value(Visibility.self)
        case "benefits":
            var discount: Int?
            settings.benefits = try lines.map { line in
                var kind = line
                if line.hasSuffix("%)"), let open = line.lastIndex(of: "(") {
                    discount = Int(line[line.index(after: open)...].dropLast(2))
                    kind = line[..<open].trimmingCharacters(in: .whitespaces)
                }
                guard let benefit = BenefitKind.allCases.first(where: { $0.rawValue.caseInsensitiveCompare(kind) == .orderedSame }) else {
                    throw UserError.badRequest("“\(kind.prefix(60))” is not a benefit")
                }
                return benefit
            }
            settings.discountPercent = settings.benefits.contains(.discountedCharging) ? discount ?? settings.discountPercent : nil
        default: settings.questions = lines
        }
    }

    /// The read-only columns of connection `id` as the export writes them.
    static func readOnlyValues(of id: Int, inviteURL: (String) -> String, in database: Database) throws -> [String: String]? {
        let columns = readOnly.compactMap(ColumnCatalog.column)
        let selected = SQLFragment.joined(columns.map { "\(raw: $0.expression)" }, separator: ", ")
        return try database.query("SELECT \(selected) FROM connections c JOIN organizations o ON o.id = c.org_id WHERE c.id = \(p: 1)",
                                  [.init(id)]) { row in
            Dictionary(uniqueKeysWithValues: columns.enumerated().map { index, column in
                let text = row.isNull(Int32(index)) ? "" : row.text(Int32(index))
                switch column.kind {
                case .inviteLink: return (column.key, inviteURL(text))
                default: return (column.key, normalized(text, column.key))
                }
            })
        }.first
    }

    /// A cell as compared: a date (text, stored, or a spreadsheet's serial number) as "YYYY-MM-DD HH:MM:SS"; a number without ".0".
    static func normalized(_ text: String, _ key: String) -> String {
        switch ColumnCatalog.column(key)?.kind {
        case .date?:
            if let serial = Double(text) {
                let date = Date(timeIntervalSince1970: ((serial - 25_569) * 86_400).rounded())
                return DateText.store(date).replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: "")
            }
            return text.replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: "")
        case .number?, .identifier?:
            return Double(text).map { $0 == $0.rounded() ? String(Int($0)) : text } ?? text
        default: return text
        }
    }

    /// The catalog's key of a settings rule's field (`ConnectionSettings.problems`).
    static func catalogKey(ofField field: String) -> String {
        ["discount": "benefits", "domains": "approval_type", "name_for_drivers": "org_name"][field] ?? field
    }
}
