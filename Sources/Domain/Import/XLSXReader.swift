/// Reads an XLSX workbook's cells.
struct XLSXReader {
    static func isWorkbook(_ bytes: [UInt8]) -> Bool { bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) }
    let bytes: [UInt8]
    init(_ bytes: [UInt8]) { self.bytes = bytes }
    func records(sheet: String?, limit: Int) throws -> [[String]] { throw UserError.badRequest("XLSX is not read yet.") }
}
