import Storage

/// The columns of a connection's roster, once: the export writes them in this order (the
/// connection's questions, by their labels, after `State`), and the import reads the same labels
/// back. A new column is one entry here (e.g. "Expires" with its SQL over `m`, `d` and `u`).
public struct RosterColumn: Sendable {
    public let label: String
    /// Over memberships `m`, drivers `d` and the deciding user `u`.
    let sql: SQLFragment
    /// A date-time as stored (written as a date in spreadsheets).
    let isDate: Bool
    /// Read by an import; the others describe the roster as it is and are not read back.
    let imported: Bool

    public static let email = RosterColumn(label: "Email", sql: "d.email", isDate: false, imported: true)
    public static let name = RosterColumn(label: "Name", sql: "m.driver_name", isDate: false, imported: true)

    /// Before the questions' answers.
    public static let leading: [RosterColumn] = [
        email,
        name,
        RosterColumn(label: "State", sql: "m.state", isDate: false, imported: false),
    ]
    /// After the questions' answers.
    public static let trailing: [RosterColumn] = [
        RosterColumn(label: "Joined", sql: "m.requested_at", isDate: true, imported: false),
        RosterColumn(label: "Decided by", sql: "coalesce(u.email, '')", isDate: false, imported: false),
    ]

    /// The header of connection's roster with `questions`.
    public static func labels(questions: [String]) -> [String] {
        leading.map(\.label) + questions + trailing.map(\.label)
    }
}
