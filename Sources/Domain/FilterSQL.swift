import Storage

extension Filter {
    /// The SQL deciding whether a row of `connections c` matches, taking the column's access path.
    /// Only for applicable filters (`problem == nil`). `searchLeads` lets a trigram match be where
    /// SQLite starts; otherwise it only checks rows another condition found (SQLite cannot tell
    /// how many rows a trigram match holds, and starting there when an index holds fewer rows
    /// reads every one of them).
    func sql(searchLeads: Bool = true) -> SQLFragment {
        guard let template = condition.template(for: column.kind) else { preconditionFailure("inapplicable filter: \(self)") }
        if case .enumeration(let allowed) = column.kind {
            // Test the few allowed values, then let the column's index find the rows.
            let values = SQLFragment("SELECT value FROM json_each(json_array(\(allowed.map { _ in "?" }.joined(separator: ", "))))",
                                     allowed.map(SQLValue.text))
            return SQLFragment("\(column.expression) IN (") + values + SQLFragment(" WHERE ") + render(template, column: "value") + SQLFragment(")")
        }
        let exact = render(template, column: column.expression)
        switch column.search {
        case .lookup(let key, let rows):
            return SQLFragment("\(key) IN (\(rows) WHERE ") + exact + SQLFragment(")")
        case .trigram(let index):
            guard let phrase = SearchIndex.containsQuery(for: foldedValue) else { return exact }
            let found = SQLFragment((searchLeads ? "" : "+") + "c.rowid IN (SELECT rowid FROM \(index.name) WHERE \(index.name) MATCH ?)", [.text(phrase)])
            switch condition.searchIndexUse {
            case .decides(let negated): return negated ? SQLFragment("NOT ") + found : found
            case .proposes: return found + SQLFragment(" AND ") + exact
            case .none: return exact
            }
        case .scan:
            return exact
        }
    }

    /// Whether an index finds this filter's rows among few: a handful of organizations usually hold
    /// fewer connections than a three-letter match. (A status or a count is rarely that selective.)
    var isIndexed: Bool {
        if case .lookup = column.search { return true }
        return false
    }

    var foldedValue: String { TextFolding.fold(trimmedValue) }

    /// The template with `{c}` replaced by `column` and each value placeholder by a bound `?`.
    func render(_ template: String, column: String) -> SQLFragment {
        var fragment = SQLFragment("")
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            let close = rest[open...].firstIndex(of: "}")!
            fragment.sql += rest[..<open]
            switch rest[rest.index(after: open)..<close] {
            case "c": fragment.sql += column
            case "v": fragment.sql += "?"; fragment.parameters.append(.text(foldedValue))
            case "n": fragment.sql += "?"; fragment.parameters.append(.init(Self.wholeNumber(trimmedValue) ?? 0))
            case "d": fragment.sql += "?"; fragment.parameters.append(.text(trimmedValue))
            case let unknown: preconditionFailure("unknown placeholder {\(unknown)} in \(template)")
            }
            rest = rest[rest.index(after: close)...]
        }
        fragment.sql += rest
        return fragment
    }
}

extension FilterSet {
    /// The condition for `WHERE`, or nil when no filter applies.
    func sql() -> SQLFragment? {
        let searchLeads = match == .any || !applicable.contains { $0.isIndexed }
        let pieces = applicable.map { $0.sql(searchLeads: searchLeads) }
        return pieces.isEmpty ? nil : .joined(pieces, separator: match == .all ? " AND " : " OR ")
    }
}
