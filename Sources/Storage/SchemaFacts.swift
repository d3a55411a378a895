import CSQLite

/// A schema as a set of readable facts ("column connections.name #3 TEXT not null", "index ...",
/// "foreign key ...", "check ..."), made from a `SchemaDescription` or read back from a live
/// database's catalog (SQLite: sqlite_master and its pragmas; PostgreSQL: information_schema,
/// pg_indexes' definitions and pg_constraint). Two sets compare in both directions, and what one
/// has and the other lacks is the readable difference.
///
/// Texts are compared as each database keeps them: SQLite keeps the CHECK, trigger and index
/// texts as written, so those are compared word for word (spacing and name quotes aside);
/// PostgreSQL keeps its own rendering of an expression, so a CHECK is compared by the columns it
/// reads, and `detailed` facts (its definition, constraint names, a function's body) compare two
/// live databases.
public struct SchemaFacts: Sendable, Equatable {
    public let facts: Set<String>

    init(_ facts: Set<String>) { self.facts = facts }

    /// What `self` has that `other` lacks and the other way round, one line each, sorted; empty when they agree.
    public func differences(from other: SchemaFacts, _ name: String, _ otherName: String) -> [String] {
        facts.subtracting(other.facts).sorted().map { "only in \(name): \($0)" }
            + other.facts.subtracting(facts).sorted().map { "only in \(otherName): \($0)" }
    }
}

extension SchemaFacts {
    /// The facts `description` promises on `dialect`.
    public init(_ description: SchemaDescription, on dialect: SQLDialect) {
        var facts = Set<String>()
        for table in description.tables {
            facts.insert("table \(table.name)" + (dialect == .sqlite && table.withoutRowID ? " without rowid" : ""))
            for (position, column) in table.columns.enumerated() {
                let inKey = table.primaryKey.contains(column.name)
                let notNull = column.notNull.contains(dialect) || (inKey && (dialect == .postgres || table.withoutRowID))
                let collation = dialect == .postgres ? (column.type == .text ? "C" : nil) : (column.caseless ? "NOCASE" : nil)
                facts.insert(Self.column(table.name, column.name, position, type: column.typeName(in: dialect), notNull: notNull,
                                         identity: dialect == .postgres && column.identity, default: column.defaultValue, collation: collation))
                if column.unique.contains(dialect) { facts.insert("unique \(table.name) (\(column.name))") }
                if let reference = column.references {
                    facts.insert(Self.foreignKey(table.name, column.name, reference.table, reference.column, reference.onDelete?.rawValue))
                }
            }
            facts.insert("primary key \(table.name) (\(table.primaryKey.joined(separator: ", ")))")
            let checks = table.columns.compactMap(\.check) + table.checks
            for check in checks {
                facts.insert(dialect == .sqlite ? "check \(table.name): \(Self.tight(check.sqlite))"
                             : "check \(table.name) on (\(Self.columns(of: check.postgres, in: table).joined(separator: ", ")))")
            }
        }
        for index in description.indexes where index.dialects.contains(dialect) {
            facts.insert(Self.index(index.name, on: index.table, unique: index.unique, method: dialect == .postgres ? index.method : nil,
                                    keys: index.keys(in: dialect).joined(separator: ", "), condition: index.condition))
        }
        for piece in description.pieces where piece.dialect == dialect {
            switch piece.kind {
            case .extension: facts.insert("extension \(piece.name)")
            case .function(let signature): facts.insert("function \(signature)")
            case .trigger(let table):
                facts.insert("trigger \(piece.name) on \(table)" + (dialect == .sqlite ? ": " + Self.tight(piece.sql) : ""))
            case .virtualTable: facts.insert("virtual table \(piece.name): \(Self.tight(piece.sql))")
            case .rows: break
            }
        }
        self.init(facts)
    }

    /// The facts of the live schema of `database` (the migrator's own `schema_version` aside);
    /// `detailed` adds PostgreSQL's own texts of checks, triggers and functions.
    public static func read(_ database: Database, detailed: Bool = false) throws -> SchemaFacts {
        switch database.dialect {
        case .sqlite: try readSQLite(database)
        case .postgres: try readPostgres(database, detailed: detailed)
        }
    }

    // MARK: facts, spelled once for both sources

    static func column(_ table: String, _ name: String, _ position: Int, type: String, notNull: Bool, identity: Bool,
                       default value: String?, collation: String?) -> String {
        "column \(table).\(name) #\(position + 1) \(type)" + (notNull ? " not null" : "") + (identity ? " identity" : "")
            + (value.map { " default " + loose($0) } ?? "") + (collation.map { " collate " + $0 } ?? "")
    }

    static func foreignKey(_ table: String, _ column: String, _ parent: String, _ parentColumn: String, _ onDelete: String?) -> String {
        "foreign key \(table) (\(column)) references \(parent) (\(parentColumn)) on delete \(onDelete ?? "NO ACTION")"
    }

    static func index(_ name: String, on table: String, unique: Bool, method: String?, keys: String, condition: String?) -> String {
        "index \(name) on \(table)" + (unique ? " unique" : "") + (method.map { " using " + $0 } ?? "") + " (\(loose(keys)))"
            + (condition.map { " where " + loose($0) } ?? "")
    }

    /// Spacing and name quotes aside (SQLite quotes a renamed column's name in the texts it rewrites).
    static func tight(_ text: String) -> String {
        text.replacingOccurrences(of: "\"", with: "").split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).joined(separator: " ")
    }

    /// Also the case of keywords and names, parentheses and PostgreSQL's casts to the column's own
    /// type aside: an index key or condition as PostgreSQL renders it (`(state = 'queued'::text)`)
    /// and as written. String literals keep their case.
    static func loose(_ text: String) -> String {
        var inString = false
        var text = tight(text).reduce(into: "") { text, character in
            if character == "'" { inString.toggle() }
            text += inString ? String(character) : character.lowercased()
        }
        for noise in ["::text", "::bigint", "::integer", "(", ")"] { text = text.replacingOccurrences(of: noise, with: noise.hasPrefix(":") ? "" : " ") }
        return tight(text).replacingOccurrences(of: " ,", with: ",")
    }

    /// The columns of `table` an expression names (outside string literals), sorted.
    static func columns(of expression: String, in table: SchemaDescription.Table) -> [String] {
        let names = Set(table.columns.map(\.name))
        var found = Set<String>(), word = "", inString = false
        for character in expression + " " {
            if character == "'" { inString.toggle(); word = ""; continue }
            if !inString, character.isLetter || character.isNumber || character == "_" { word.append(character); continue }
            if names.contains(word) { found.insert(word) }
            word = ""
        }
        return found.sorted()
    }

    /// An index's keys, method and condition from its CREATE INDEX text, as both databases give it.
    static func parseIndex(_ sql: String) -> (method: String?, keys: String, condition: String?) {
        let text = tight(sql)
        guard let on = text.range(of: " ON "), let open = text[on.upperBound...].firstIndex(of: "(") else { return (nil, text, nil) }
        var depth = 0, close = open
        for index in text[open...].indices {
            if text[index] == "(" { depth += 1 } else if text[index] == ")" { depth -= 1; if depth == 0 { close = index; break } }
        }
        let head = text[on.upperBound..<open]
        let method = head.range(of: "USING ").map { String(head[$0.upperBound...]).trimmingCharacters(in: [" "]) }
        let rest = text[text.index(after: close)...].trimmingCharacters(in: [" "])
        let condition = rest.hasPrefix("WHERE ") ? String(rest.dropFirst(6)) : nil
        return (method == "btree" ? nil : method, String(text[text.index(after: open)..<close]), condition)
    }

    /// The expressions of every CHECK in a CREATE TABLE text, outside comments and string literals.
    static func checks(inTableSQL sql: String) -> [String] {
        let characters = Array(sql)
        var found: [String] = [], index = 0
        func isWord(_ character: Character) -> Bool { character.isLetter || character.isNumber || character == "_" }
        while index < characters.count {
            let character = characters[index]
            if character == "-", index + 1 < characters.count, characters[index + 1] == "-" {
                while index < characters.count, characters[index] != "\n" { index += 1 }
            } else if character == "'" {
                index += 1
                while index < characters.count, characters[index] != "'" { index += 1 }
                index += 1
            } else if index + 5 <= characters.count, String(characters[index..<index + 5]).uppercased() == "CHECK",
                      index == 0 || !isWord(characters[index - 1]), index + 5 == characters.count || !isWord(characters[index + 5]) {
                var start = index + 5
                while start < characters.count, characters[start] == " " || characters[start] == "\n" { start += 1 }
                guard start < characters.count, characters[start] == "(" else { index = start; continue }
                var depth = 0, end = start, inString = false
                while end < characters.count {
                    if characters[end] == "'" { inString.toggle() }
                    if !inString, characters[end] == "(" { depth += 1 }
                    if !inString, characters[end] == ")" { depth -= 1; if depth == 0 { break } }
                    end += 1
                }
                found.append(tight(String(characters[start + 1..<end])))
                index = end + 1
            } else {
                index += 1
            }
        }
        return found
    }
}
