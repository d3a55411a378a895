import CXLSXWriter
import Foundation

/// A workbook of one sheet written row by row with libxlsxwriter's constant-memory mode: each
/// row goes to a temporary file as soon as the next starts, so memory stays flat at any size.
final class XLSXWriter {
    enum Cell {
        /// `guarded`: formatted as text (Excel's "@"), so that neither the file nor a user's edit makes it a formula.
        /// (libxlsxwriter 1.1.4, Debian 12's, has no quote-prefix format; the text format has the same effect.)
        /// `wrapped`: the lines of a list show as lines.
        case text(String, guarded: Bool, wrapped: Bool)
        case number(Int)
        /// As stored: "2026-11-25T14:30:00Z".
        case date(String)
    }

    private let workbook: UnsafeMutablePointer<lxw_workbook>
    private let sheet: UnsafeMutablePointer<lxw_worksheet>
    private let bold: UnsafeMutablePointer<lxw_format>
    private let dateFormat: UnsafeMutablePointer<lxw_format>
    /// Text cells by [guarded][wrapped]; nil is the default format.
    private let textFormats: [[UnsafeMutablePointer<lxw_format>?]]
    private var row: lxw_row_t = 0
    private var columnCount: lxw_col_t = 0

    init(path: String, temporaryDirectory: String, sheetName: String = "Connections") throws {
        var options = lxw_workbook_options()
        options.constant_memory = 1
        options.use_zip64 = 1
        let made = temporaryDirectory.withCString { directory -> UnsafeMutablePointer<lxw_workbook>? in
            options.tmpdir = UnsafeMutablePointer(mutating: directory)
            return workbook_new_opt(path, &options)
        }
        guard let made, let sheet = workbook_add_worksheet(made, sheetName) else {
            throw ExportError(message: "The spreadsheet could not be started.")
        }
        workbook = made
        self.sheet = sheet
        bold = workbook_add_format(made)
        format_set_bold(bold)
        dateFormat = workbook_add_format(made)
        format_set_num_format(dateFormat, "yyyy-mm-dd hh:mm")
        func format(guarded: Bool, wrapped: Bool) -> UnsafeMutablePointer<lxw_format>? {
            guard guarded || wrapped, let format = workbook_add_format(made) else { return nil }
            if guarded { format_set_num_format_index(format, Self.textNumberFormat) }
            if wrapped { format_set_text_wrap(format) }
            return format
        }
        textFormats = [false, true].map { guarded in [false, true].map { format(guarded: guarded, wrapped: $0) } }
    }

    /// The built-in number format "@" (Text).
    static let textNumberFormat: UInt8 = 49

    /// The bold header row, frozen above the data, with column widths.
    func header(_ labels: [String], widths: [Double]) {
        columnCount = lxw_col_t(labels.count)
        for (index, width) in widths.enumerated() {
            worksheet_set_column(sheet, lxw_col_t(index), lxw_col_t(index), width, nil)
        }
        for (index, label) in labels.enumerated() {
            worksheet_write_string(sheet, 0, lxw_col_t(index), label, bold)
        }
        worksheet_freeze_panes(sheet, 1, 0)
        row = 1
    }

    func append(_ cells: [Cell]) {
        for (index, cell) in cells.enumerated() {
            let column = lxw_col_t(index)
            switch cell {
            case .text(let text, let guarded, let wrapped):
                if !text.isEmpty { worksheet_write_string(sheet, row, column, text, textFormats[guarded ? 1 : 0][wrapped ? 1 : 0]) }
            case .number(let number):
                worksheet_write_number(sheet, row, column, Double(number), nil)
            case .date(let stored):
                if var date = Self.datetime(stored) {
                    worksheet_write_datetime(sheet, row, column, &date, dateFormat)
                } else {
                    worksheet_write_string(sheet, row, column, stored, nil)
                }
            }
        }
        row += 1
    }

    /// Adds the autofilter over everything written and writes the file.
    func close() throws {
        if columnCount > 0 { worksheet_autofilter(sheet, 0, 0, max(row - 1, 0), columnCount - 1) }
        let status = workbook_close(workbook)
        guard status == LXW_NO_ERROR else {
            throw ExportError(message: "The spreadsheet could not be written: \(String(cString: lxw_strerror(status))).")
        }
    }

    static func datetime(_ stored: String) -> lxw_datetime? {
        let digits = stored.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        guard digits.count >= 6 else { return nil }
        return lxw_datetime(year: Int32(digits[0]), month: Int32(digits[1]), day: Int32(digits[2]),
                            hour: Int32(digits[3]), min: Int32(digits[4]), sec: Double(digits[5]))
    }
}

public struct ExportError: Error, Sendable {
    public let message: String
}
