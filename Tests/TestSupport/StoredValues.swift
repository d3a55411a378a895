import Storage

/// Every value of every table as text, to look for secrets in a copy of the database.
public enum StoredValues {
    public static func text(of database: Database, except: Set<String> = []) throws -> String {
        var text = ""
        for table in PostgresSchema.tablesInCopyOrder where !except.contains(table) && table != "installation_secrets" {
            _ = try database.query("SELECT * FROM \(raw: table)") { row in
                for column in 0..<row.columnCount where !row.isNull(column) { text += row.text(column) + "\n" }
            }
        }
        return text
    }
}
