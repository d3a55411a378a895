import Foundation

public enum ExportFormat: String, Sendable, CaseIterable {
    /// NDJSON is the API's: one JSON object per line, for programs rather than spreadsheets.
    case csv, xlsx, ndjson

    public var contentType: String {
        switch self {
        case .csv: return "text/csv; charset=utf-8"
        case .xlsx: return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        case .ndjson: return "application/x-ndjson"
        }
    }
}

/// Which columns an export holds.
public enum ExportScope: String, Sendable, CaseIterable {
    /// The columns the table shows now, in their order.
    case visible
    /// Every exportable field, in catalog order.
    case all
}

/// What the Export Settings ask for.
public struct ExportSettings: Sendable {
    public var format: ExportFormat
    public var scope: ExportScope
    /// A UTF-8 byte-order mark at the start of a CSV file, so Excel reads accents right.
    public var byteOrderMark: Bool

    /// Excel's sheet holds 1,048,576 rows, one of them the header.
    public static let xlsxRowLimit = 1_048_575

    public init(format: ExportFormat, scope: ExportScope, byteOrderMark: Bool) {
        self.format = format
        self.scope = scope
        self.byteOrderMark = byteOrderMark
    }

    /// The table's visible columns, or every column the user may see (`allowed`).
    public func columns(visible: [Column], allowed: [Column]) -> [Column] {
        scope == .visible ? visible.filter(\.exportable) : allowed.filter(\.exportable)
    }

    /// "connections-20261125-1430.csv", in UTC.
    public func fileName(at date: Date) -> String {
        let stored = DateText.store(date)  // 2026-11-25T14:30:00Z
        let digits = stored.filter(\.isNumber)
        return "connections-\(digits.prefix(8))-\(digits.dropFirst(8).prefix(4)).\(format.rawValue)"
    }
}

/// Spreadsheets run a cell that starts with = + - @ (or a tab or line break before them) as a
/// formula; in CSV such text gets a leading apostrophe, so it reads as text (also after each
/// separator inside a field: `CSVWriter`); in XLSX its cell is formatted as text instead. Full-width forms too.
public enum FormulaGuard {
    static let triggers: [Unicode.Scalar] = ["=", "+", "-", "@", "\t", "\r", "\n", "\u{FF1D}", "\u{FF0B}", "\u{FF0D}", "\u{FF20}"]
    /// The same, as the UTF-8 bytes a cell would start with.
    static let triggerBytes: [[UInt8]] = triggers.map { Array(String($0).utf8) }

    public static func needsGuard(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first else { return false }
        return triggers.contains(first)
    }

    /// The one-byte triggers as a table: most cells start with ASCII, and this runs per cell.
    static let asciiTriggers: [Bool] = (0..<128).map { byte in triggerBytes.contains([UInt8(byte)]) }

    /// A CSV cell's bytes: spaces before the trigger count as nothing, since a reader set to trim
    /// them (LibreOffice's "Trim spaces") starts the cell at the trigger.
    static func needsGuard(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let start = bytes.firstIndex(where: { $0 != 0x20 }) else { return false }
        let first = bytes[start]
        if first < 0x80 { return asciiTriggers[Int(first)] }
        return triggerBytes.contains { UnsafeBufferPointer(rebasing: bytes[start...]).starts(with: $0) }
    }
}
