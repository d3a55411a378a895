import CSQLite

/// Reading a live schema back into `SchemaFacts`, from each database's own catalog.
extension SchemaFacts {
    static func readSQLite(_ database: Database) throws -> SchemaFacts {
        var facts = Set<String>()
        let objects = try database.query("""
            SELECT l.name, l.type, l.wr, coalesce(m.sql, '') FROM pragma_table_list AS l JOIN sqlite_master AS m ON m.name = l.name
            WHERE l.schema = 'main' AND l.type IN ('table', 'virtual') AND l.name NOT LIKE 'sqlite_%' ORDER BY l.name
            """) { (name: $0.text(0), type: $0.text(1), withoutRowID: $0.int(2) == 1, sql: $0.text(3)) }
        for object in objects where object.type == "virtual" {
            facts.insert("virtual table \(object.name): \(tight(object.sql))")
        }
        for table in objects where table.type == "table" {
            facts.insert("table \(table.name)" + (table.withoutRowID ? " without rowid" : ""))
            let columns = try database.query("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info('\(raw: table.name)') ORDER BY cid") {
                (name: $0.text(0), type: $0.text(1), notNull: $0.int(2) == 1, defaultValue: $0.optionalText(3), key: $0.int(4))
            }
            for (position, column) in columns.enumerated() {
                let collation = try columnCollation(database, table.name, column.name)
                facts.insert(Self.column(table.name, column.name, position, type: column.type, notNull: column.notNull, identity: false,
                                         default: column.defaultValue, collation: collation == "BINARY" ? nil : collation))
            }
            let key = columns.filter { $0.key > 0 }.sorted { $0.key < $1.key }.map(\.name)
            facts.insert("primary key \(table.name) (\(key.joined(separator: ", ")))")
            for check in checks(inTableSQL: table.sql) { facts.insert("check \(table.name): \(check)") }
            let foreignKeys = try database.query("SELECT \"from\", \"table\", \"to\", on_delete FROM pragma_foreign_key_list('\(raw: table.name)')") {
                Self.foreignKey(table.name, $0.text(0), $0.text(1), $0.text(2), $0.text(3))
            }
            facts.formUnion(foreignKeys)
            let indexes = try database.query("""
                SELECT l.name, l."unique", l.origin, coalesce(m.sql, ''),
                    (SELECT group_concat(name, ', ') FROM (SELECT name FROM pragma_index_info(l.name) ORDER BY seqno))
                FROM pragma_index_list('\(raw: table.name)') AS l LEFT JOIN sqlite_master AS m ON m.name = l.name AND m.type = 'index'
                """) { (name: $0.text(0), unique: $0.int(1) == 1, origin: $0.text(2), sql: $0.text(3), columns: $0.text(4)) }
            for index in indexes {
                switch index.origin {
                case "u": facts.insert("unique \(table.name) (\(index.columns))")
                case "c":
                    let parsed = parseIndex(index.sql)
                    facts.insert(Self.index(index.name, on: table.name, unique: index.unique, method: nil, keys: parsed.keys, condition: parsed.condition))
                default: break  // the primary key's own index
                }
            }
        }
        let triggers = try database.query("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'") {
            "trigger \($0.text(0)) on \($0.text(1)): \(tight($0.text(2)))"
        }
        facts.formUnion(triggers)
        return SchemaFacts(facts)
    }

    /// A column's collation, which no pragma lists: SQLite's own column metadata.
    private static func columnCollation(_ database: Database, _ table: String, _ column: String) throws -> String {
        var collation: UnsafePointer<CChar>?
        let rc = sqlite3_table_column_metadata(database.handle, "main", table, column, nil, &collation, nil, nil, nil)
        guard rc == SQLITE_OK, let collation else {
            throw StorageError(code: rc, message: "no metadata for \(table).\(column)", sql: nil)
        }
        return String(cString: collation).uppercased()
    }

    static func readPostgres(_ database: Database, detailed: Bool) throws -> SchemaFacts {
        var facts = Set<String>()
        let tables = try database.query("""
            SELECT table_name::text FROM information_schema.tables
            WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'schema_version'
            """) { $0.text(0) }
        facts.formUnion(tables.map { "table \($0)" })
        let columns = try database.query("""
            SELECT table_name::text, column_name::text, data_type::text, is_nullable::text, column_default::text, is_identity::text,
                collation_name::text, rank() OVER (PARTITION BY table_name ORDER BY ordinal_position) - 1
            FROM information_schema.columns WHERE table_schema = current_schema() AND table_name <> 'schema_version'
            """) {
            Self.column($0.text(0), $0.text(1), $0.int(7), type: $0.text(2), notNull: $0.text(3) == "NO", identity: $0.text(5) == "YES",
                        default: $0.optionalText(4), collation: $0.optionalText(6))
        }
        facts.formUnion(columns)
        func names(_ keys: String, of relation: String, sorted: Bool) -> String {
            "(SELECT string_agg(a.attname::text, ', ' ORDER BY \(sorted ? "a.attname" : "k.i")) FROM unnest(\(keys)) WITH ORDINALITY AS k(attnum, i) "
                + "JOIN pg_attribute a ON a.attrelid = \(relation) AND a.attnum = k.attnum)"
        }
        let constraints = try database.query("""
            SELECT c.contype::text, cl.relname::text, \(raw: names("c.conkey", of: "c.conrelid", sorted: false)), \(raw: names("c.conkey", of: "c.conrelid", sorted: true)),
                coalesce(f.relname::text, ''), coalesce(\(raw: names("c.confkey", of: "c.confrelid", sorted: false)), ''), c.confdeltype::text, pg_get_constraintdef(c.oid), c.conname::text
            FROM pg_constraint c JOIN pg_class cl ON cl.oid = c.conrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
            LEFT JOIN pg_class f ON f.oid = c.confrelid
            WHERE n.nspname = current_schema() AND cl.relname <> 'schema_version'
            """) { row -> String in
            let table = row.text(1)
            // Later migrations name constraints (DROP CONSTRAINT x): a new database names them as an old one.
            let name = detailed ? " named \(row.text(8))" : ""
            switch row.text(0) {
            case "p": return "primary key \(table) (\(row.text(2)))" + name
            case "u": return "unique \(table) (\(row.text(2)))" + name
            case "c": return "check \(table) on (\(row.text(3)))" + (detailed ? ": " + row.text(7) + name : "")
            case "f":
                let action = ["c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT", "r": "RESTRICT"][row.text(6)]
                return Self.foreignKey(table, row.text(2), row.text(4), row.text(5), action) + name
            default: return "constraint \(row.text(0)) \(table): \(row.text(7))" + name
            }
        }
        facts.formUnion(constraints)
        let indexes = try database.query("""
            SELECT ci.relname::text, t.relname::text, i.indisunique::int, pg_get_indexdef(i.indexrelid)
            FROM pg_index i JOIN pg_class ci ON ci.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
            JOIN pg_namespace n ON n.oid = t.relnamespace
            WHERE n.nspname = current_schema() AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            """) { row -> String in
            let parsed = parseIndex(row.text(3))
            return Self.index(row.text(0), on: row.text(1), unique: row.int(2) == 1,
                              method: parsed.method, keys: parsed.keys, condition: parsed.condition)
        }
        facts.formUnion(indexes)
        let triggers = try database.query("""
            SELECT t.tgname::text, c.relname::text, pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT t.tgisinternal AND n.nspname = current_schema()
            """) { "trigger \($0.text(0)) on \($0.text(1))" + (detailed ? ": " + $0.text(2) : "") }
        facts.formUnion(triggers)
        let functions = try database.query("""
            SELECT p.proname::text || '(' || oidvectortypes(p.proargtypes) || ')', md5(p.prosrc) FROM pg_proc p
            JOIN pg_namespace n ON n.oid = p.pronamespace
            -- objects of this schema, not those of an extension (pg_trgm)
            WHERE n.nspname = current_schema() AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
            """) { "function \($0.text(0))" + (detailed ? ": body " + $0.text(1) : "") }
        facts.formUnion(functions)
        let extensions = try database.query("SELECT extname::text FROM pg_extension WHERE extname <> 'plpgsql'") { "extension \($0.text(0))" }
        facts.formUnion(extensions)
        return SchemaFacts(facts)
    }
}
