import Foundation
import Storage

/// How a roster import treats the file's drivers.
public enum ImportMode: String, CaseIterable, Sendable {
    /// Each address not yet a driver is invited (the email invites of `SendInvites`).
    case add
    /// Each address is connected at once (the approval of `Decide`), audited as imported.
    case addAndConnect = "add_and_connect"
    /// As `add`, and each connected driver not in the file is removed (the removal of `Decide`).
    case replace

    public var label: String {
        switch self {
        case .add: return "Add"
        case .addAndConnect: return "Add and connect"
        case .replace: return "Replace the list"
        }
    }

    /// What the mode does to a connection's drivers, as a host's role must allow.
    var permissions: [Permission] {
        switch self {
        case .add: return [.inviteDrivers]
        case .addAndConnect: return [.inviteDrivers, .decideMemberships]
        case .replace: return [.inviteDrivers, .decideMemberships]
        }
    }
}

/// A file as uploaded: its name (for the audit entry) and bytes.
public struct ImportFile: Sendable {
    public let name: String
    public let bytes: [UInt8]
    /// An XLSX workbook's sheet by name; the first when nil.
    public let sheet: String?

    public init(name: String, bytes: [UInt8], sheet: String? = nil) {
        self.name = String(name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last ?? "").prefix(200).description
        self.bytes = bytes
        self.sheet = sheet.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The media types an import takes (the API's bodies).
    /// The body's types: the document names the first (client generators take bytes as it); the file's
    /// own bytes say whether it is CSV or XLSX, whichever is sent.
    public static let mediaTypes = ["application/octet-stream", "text/csv", "text/plain", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]

    public var hash: String { SHA256.hex(bytes: bytes) }

    /// The file's records, header first: CSV of any common spelling, or the first sheet (or the one
    /// named) of an XLSX workbook.
    public func records() throws -> [[String]] {
        guard bytes.count <= ImportLimit.bytes else { throw ImportLimit.tooLarge(ImportLimit.bytes) }
        if XLSXReader.isWorkbook(bytes) { return try XLSXReader(bytes).records(sheet: sheet, limit: ImportLimit.rows) }
        return try DelimitedText.records(bytes, limit: ImportLimit.rows)
    }
}

/// What a roster import would do, worked out without writing: the drivers new to the connection,
/// unchanged, changed (a waiting request connected), to be removed, and the invalid rows, each with
/// its row number (the header is row 1), column and reason. `digest` names exactly this plan, so a
/// confirmation applies what was previewed or nothing.
public struct RosterPlan: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public let row: Int
        public let email: String
        public let name: String
        public let answers: [String]
        /// The driver's request on the connection, when there is one.
        public let membershipID: Int?
    }

    public struct Problem: Sendable, Equatable {
        public let row: Int
        public let column: String
        public let reason: String
    }

    public let mode: ImportMode
    public let fileName: String
    public let fileHash: String
    public internal(set) var new: [Entry] = []
    public internal(set) var unchanged: [Entry] = []
    public internal(set) var changed: [Entry] = []
    public internal(set) var removed: [Entry] = []
    public internal(set) var invalid: [Problem] = []

    /// Names the plan: the mode, the file and every planned change.
    public var digest: String {
        var text = "\(mode.rawValue)\n\(fileHash)\n"
        for (group, entries) in [("new", new), ("changed", changed), ("removed", removed)] {
            text += group + "\n"
            for entry in entries { text += "\(entry.row) \(entry.membershipID ?? 0) \(entry.email.lowercased())\n" }
        }
        text += "invalid \(invalid.count)\n"
        return SHA256.hex(text)
    }

    public var counts: [(String, Int)] {
        [("new", new.count), ("unchanged", unchanged.count), ("changed", changed.count), ("removed", removed.count), ("invalid", invalid.count)]
    }

    /// Works out the plan of `file` for connection `connectionID`.
    public static func make(_ file: ImportFile, mode: ImportMode, connectionID: Int, questions: [String], in database: Database) throws -> RosterPlan {
        var records = try file.records()
        guard !records.isEmpty else { throw UserError.badRequest("The file is empty: it needs a header row with an Email column.") }
        let header = records.removeFirst().map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        let columns = try Self.columns(of: header, questions: questions)
        var plan = RosterPlan(mode: mode, fileName: file.name, fileHash: file.hash)
        // The connection's requests by address, in one query.
        var requests: [String: (id: Int, state: MembershipState, email: String, name: String)] = [:]
        for request in try database.query("""
            SELECT m.id, m.state, d.email, m.driver_name FROM memberships m JOIN drivers d ON d.id = m.driver_id WHERE m.connection_id = \(p: 1) ORDER BY m.id
            """, [.init(connectionID)], row: { (id: $0.int(0), state: try $0.decode(MembershipState.self, 1, table: "memberships", key: "id \($0.int(0))"),
                                                email: $0.text(2), name: $0.isNull(3) ? "" : $0.text(3)) }) {
            requests[request.email.lowercased()] = request
        }
        var seen: [String: Int] = [:]
        for (index, record) in records.enumerated() {
            let row = index + 2
            let cells = record.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            guard cells.contains(where: { !$0.isEmpty }) else { continue }
            func cell(_ column: Int?) -> String { column.flatMap { $0 < cells.count ? cells[$0] : nil } ?? "" }
            let email = cell(columns.email)
            guard MailAddress.isUsable(email), let valid = try? Accounts.validEmail(email) else {
                plan.invalid.append(Problem(row: row, column: "Email", reason: email.isEmpty ? "no address" : "not an email address"))
                continue
            }
            let key = valid.lowercased()
            if let first = seen[key] {
                plan.invalid.append(Problem(row: row, column: "Email", reason: "\(valid) is already in row \(first)"))
                continue
            }
            seen[key] = row
            let name = cell(columns.name)
            guard StoredText.length(name) <= 200, !StoredText.hasControlCharacter(name) else {
                plan.invalid.append(Problem(row: row, column: "Name", reason: "at most 200 characters on one line"))
                continue
            }
            let answers = columns.answers.map(cell)
            if let long = answers.firstIndex(where: { StoredText.length($0) > 500 }) {
                plan.invalid.append(Problem(row: row, column: questions[long], reason: "an answer holds at most 500 characters"))
                continue
            }
            let request = requests[key]
            let entry = Entry(row: row, email: valid, name: name.isEmpty ? (request?.name ?? "") : name, answers: answers, membershipID: request?.id)
            switch request?.state {
            case nil:
                if mode == .addAndConnect && name.isEmpty {
                    plan.invalid.append(Problem(row: row, column: "Name", reason: "a driver connected by an import needs a name"))
                } else {
                    plan.new.append(entry)
                }
            case .connected?: plan.unchanged.append(entry)
            case .pending?: if mode == .addAndConnect { plan.changed.append(entry) } else { plan.unchanged.append(entry) }
            case let state?:
                plan.invalid.append(Problem(row: row, column: "Email", reason: "\(valid) is \(state.rawValue) on this connection: an import does not bring them back"))
            }
        }
        if mode == .replace {
            plan.removed = requests.values.filter { $0.state == .connected && seen[$0.email.lowercased()] == nil }.sorted { $0.id < $1.id }
                .map { Entry(row: 0, email: $0.email, name: $0.name, answers: [], membershipID: $0.id) }
        }
        return plan
    }

    /// Where the header puts each column the import reads (by label, in any order and case); an
    /// unknown label, or no Email column, stops the import.
    static func columns(of header: [String], questions: [String]) throws -> (email: Int?, name: Int?, answers: [Int?]) {
        let known = RosterColumn.labels(questions: questions)
        var positions: [String: Int] = [:]
        for (index, label) in header.enumerated() where !label.isEmpty {
            guard let match = known.first(where: { $0.caseInsensitiveCompare(label) == .orderedSame }) else {
                throw UserError.badRequest("Column \(index + 1) is \"\(label.prefix(100))\", which a roster does not have. "
                                           + "The columns are: \(known.joined(separator: ", ")).")
            }
            guard positions[match] == nil else { throw UserError.badRequest("The column \"\(match)\" appears twice in the header.") }
            positions[match] = index
        }
        guard let email = positions[RosterColumn.email.label] else {
            throw UserError.badRequest("The file has no Email column: its first row must name the columns, Email among them.")
        }
        return (email, positions[RosterColumn.name.label], questions.map { positions[$0] })
    }
}
