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
        case .trigram:
            guard let rows = searchRows else { return exact }
            let found = SQLFragment((searchLeads ? "" : "+") + "c.rowid IN (") + rows + SQLFragment(")")
            switch condition.searchIndexUse {
            case .decides(let negated): return negated ? SQLFragment("NOT ") + found : found
            case .proposes: return found + SQLFragment(" AND ") + exact
            case .none: return exact
            }
        case .scan:
            return exact
        }
    }

    /// The rows whose text contains the value, from the column's trigram index (three characters or more).
    var searchRows: SQLFragment? {
        guard case .trigram(let index, _) = column.search, let query = searchQuery else { return nil }
        return index.rows(matching: [query])
    }

    /// The trigram index's query for this filter's value.
    var searchQuery: String? {
        guard case .trigram(let index, let name) = column.search else { return nil }
        return index.containsQuery(column: name, text: foldedValue)
    }

    /// Whether the trigram index alone decides this filter (Contains).
    var isDecidedBySearch: Bool { condition.searchIndexUse == .decides(negated: false) && searchRows != nil }

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
        let filters = applicable
        guard match == .all else { return filters.isEmpty ? nil : .joined(filters.map { $0.sql() }, separator: " OR ") }
        let searchLeads = !filters.contains { $0.isIndexed }
        // Several Contains on indexed text: one pass of the index finds the rows holding them all.
        let searched = filters.filter(\.isDecidedBySearch)
        guard searched.count >= 2 else {
            return filters.isEmpty ? nil : .joined(filters.map { $0.sql(searchLeads: searchLeads) }, separator: " AND ")
        }
        let byIndex = Dictionary(grouping: searched) { filter -> String in
            guard case .trigram(let index, _) = filter.column.search else { return "" }
            return index.name
        }
        let rows = byIndex.values.sorted { $0[0].column.key < $1[0].column.key }.map { group -> SQLFragment in
            guard case .trigram(let index, _) = group[0].column.search else { preconditionFailure("searched without an index") }
            return SQLFragment((searchLeads ? "" : "+") + "c.rowid IN (") + index.rows(matching: group.compactMap(\.searchQuery)) + SQLFragment(")")
        }
        return .joined(rows + filters.filter { !$0.isDecidedBySearch }.map { $0.sql(searchLeads: searchLeads) }, separator: " AND ")
    }
}

extension FilterSet {
    /// When the trigram index alone decides every filter, the ids of the matching rows, to count
    /// without reading the rows themselves.
    func rowsDecidedBySearch() -> SQLFragment? {
        let filters = applicable
        guard match == .all, !filters.isEmpty, filters.allSatisfy(\.isDecidedBySearch),
              case .trigram(let index, _) = filters[0].column.search,
              filters.allSatisfy({ if case .trigram(let other, _) = $0.column.search { return other == index } else { return false } })
        else { return nil }
        return index.rows(matching: filters.compactMap(\.searchQuery))
    }
}

extension SearchIndex {
    /// The ids of the rows matching every query.
    func rows(matching queries: [String]) -> SQLFragment {
        SQLFragment("SELECT rowid FROM \(name) WHERE \(name) MATCH ?", [.text(queries.joined(separator: " AND "))])
    }
}
