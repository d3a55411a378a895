import Foundation
import Storage

extension Filter {
    /// The SQL deciding whether a row of `connections c` matches, taking the column's access path.
    /// Only for applicable filters (`problem == nil`). `searchLeads` lets a trigram match be where
    /// SQLite starts; otherwise it only checks rows another condition found (SQLite cannot tell
    /// how many rows a trigram match holds, and starting there when an index holds fewer rows
    /// reads every one of them).
    func sql(searchLeads: Bool = true, clock: FilterClock, dialect: SQLDialect) -> SQLFragment {
        guard let template = condition.template(for: column.kind) else { preconditionFailure("inapplicable filter: \(self)") }
        if case .enumeration(let allowed) = column.kind {
            // Test the few allowed values, then let the column's index find the rows.
            let choices = SQLFragment.joined(allowed.map { "\(bind: .text($0))" }, separator: ", ")
            return "\(raw: column.expression) IN (SELECT value FROM (SELECT column1 AS value FROM (VALUES \(choices)) AS choices) AS allowed WHERE \(render(template, column: "value", clock: clock)))"
        }
        let exact = render(template, column: column.expression, clock: clock)
        switch column.search {
        case .lookup(let key, let rows):
            return "\(raw: key) IN (\(raw: rows) WHERE \(exact))"
        case .trigram:
            guard let rows = searchRows(dialect: dialect) else { return exact }
            let found = Self.rows(rows, searchLeads: searchLeads)
            switch condition.searchIndexUse {
            case .decides(let negated): return negated ? "NOT " + found : found
            case .proposes: return found + " AND " + exact
            case .none: return exact
            }
        case .scan:
            return exact
        }
    }

    /// The rows among `found` (a trigram index's); unless `searchLeads`, SQLite only checks rows
    /// another condition found, without looking them up through the id.
    static func rows(_ found: SQLFragment, searchLeads: Bool) -> SQLFragment {
        "\(searchLeads ? "c.id" : .withoutIndex("c.id")) IN (\(found))"
    }

    /// The rows whose text contains the value, from the column's trigram index (three characters or more).
    func searchRows(dialect: SQLDialect) -> SQLFragment? {
        guard case .trigram(let index, _) = column.search, let query = searchQuery else { return nil }
        return index.rows(matching: [query], dialect: dialect)
    }

    /// The trigram index's query for this filter's value.
    var searchQuery: SearchIndex.ContainsQuery? {
        guard case .trigram(let index, let name) = column.search else { return nil }
        return index.containsQuery(column: name, text: foldedValue)
    }

    /// Whether the trigram index alone decides this filter (Contains).
    var isDecidedBySearch: Bool { condition.searchIndexUse == .decides(negated: false) && searchQuery != nil }

    /// Whether an index finds this filter's rows among few: a handful of organizations usually hold
    /// fewer connections than a three-letter match. (A status or a count is rarely that selective.)
    var isIndexed: Bool {
        if case .lookup = column.search { return true }
        return false
    }

    /// The value as the column's text compares it. An invite link's column holds the token, so a
    /// whole link pasted as the value is read as the token it ends with.
    var foldedValue: String {
        guard column.kind == .inviteLink, let path = trimmedValue.range(of: InviteCodes.linkPath, options: .backwards) else {
            return TextFolding.fold(trimmedValue)
        }
        return TextFolding.fold(String(trimmedValue[path.upperBound...]))
    }


    /// The template's SQL for `column`, with the value it compares bound.
    func render(_ template: FilterTemplate, column: String, clock: FilterClock) -> SQLFragment {
        let sql: @Sendable (SQLFragment, SQLFragment) -> SQLFragment
        switch template.build {
        case .period(let period): return period(trimmedValue, clock).sql(SQLFragment(raw: column))
        case .compare(let compare): sql = compare
        }
        let value: SQLFragment
        switch template.value {
        case .none: value = ""
        case .text: value = "\(bind: .text(foldedValue))"
        case .number, .days: value = "\(bind: .init(Self.wholeNumber(trimmedValue) ?? 0))"
        case .day: value = "\(bind: .text(trimmedValue))"
        }
        return sql(SQLFragment(raw: column), value)
    }
}

extension FilterSet {
    /// In Match all, the Contains filters the trigram index decides alone: a Contains on each of
    /// several columns is one pass of the index.
    var searched: [Filter] {
        guard match == .all else { return [] }
        if isGrouped { return searchedTerms.flatMap(\.filters) }
        let decided = applicable.filter(\.isDecidedBySearch)
        guard case .trigram(let index, _)? = decided.first?.column.search else { return [] }
        return decided.filter { if case .trigram(let other, _) = $0.column.search { return other == index } else { return false } }
    }

    /// The query of the trigram index for the ids of the rows that pass every searched filter.
    func searchedRows(dialect: SQLDialect) -> SQLFragment? {
        guard case .trigram(let index, _)? = searched.first?.column.search else { return nil }
        if isGrouped {
            // A group of any is one clause of the index's query; each filter of a group of all its own.
            return index.rows(matchingEach: searchedTerms.flatMap { term in
                match(ofGroup: term.group) == .any ? [term.filters.compactMap(\.searchQuery)] : term.filters.compactMap(\.searchQuery).map { [$0] }
            }, dialect: dialect)
        }
        return index.rows(matching: searched.compactMap(\.searchQuery), dialect: dialect)
    }

    /// The condition for `WHERE`, or nil when no filter applies. A trigram match leads unless an
    /// organization look-up is there (or `searchLeads` says otherwise).
    func sql(searchLeads: Bool? = nil, dialect: SQLDialect) -> SQLFragment? {
        let filters = applicable
        if isGrouped { return groupedSQL(searchLeads: searchLeads, dialect: dialect) }
        guard match == .all else { return filters.isEmpty ? nil : .joined(filters.map { $0.sql(clock: clock, dialect: dialect) }, separator: " OR ") }
        let searchLeads = searchLeads ?? !filters.contains { $0.isIndexed }
        let searched = self.searched
        guard let rows = searchedRows(dialect: dialect) else {
            return filters.isEmpty ? nil : .joined(filters.map { $0.sql(searchLeads: searchLeads, clock: clock, dialect: dialect) }, separator: " AND ")
        }
        let membership = Filter.rows(rows, searchLeads: searchLeads)
        let others = filters.filter { filter in !searched.contains(filter) }
        return .joined([membership] + others.map { $0.sql(searchLeads: searchLeads, clock: clock, dialect: dialect) }, separator: " AND ")
    }

    /// Groups: each group's filters joined by its all/any, then the groups and the filters on their
    /// own joined by `match` (each part in parentheses: `SQLFragment.joined`).
    /// In Match all, the terms (filters on their own and whole groups) the trigram index decides
    /// alone, all on the first such term's index: two groups of two Contains are one index query.
    var searchedTerms: [(group: Int, filters: [Filter])] {
        guard match == .all else { return [] }
        let decided = terms.filter { $0.filters.allSatisfy(\.isDecidedBySearch) }
        guard case .trigram(let index, _)? = decided.first?.filters.first?.column.search else { return [] }
        return decided.filter { term in
            term.filters.allSatisfy { if case .trigram(let other, _) = $0.column.search { return other == index } else { return false } }
        }
    }

    func groupedSQL(searchLeads: Bool?, dialect: SQLDialect) -> SQLFragment? {
        let searchLeads = searchLeads ?? !applicable.contains { $0.isIndexed }
        let membership = searchedRows(dialect: dialect).map { Filter.rows($0, searchLeads: searchLeads) }
        let others = unsearchedSQL(searchLeads: searchLeads, dialect: dialect)
        let parts = [membership, others].compactMap { $0 }
        return parts.isEmpty ? nil : .joined(parts, separator: " AND ")
    }

    /// The condition of the filters the trigram index does not decide: the terms left, joined by `match`.
    func unsearchedSQL(searchLeads: Bool = true, dialect: SQLDialect) -> SQLFragment? {
        let searched = self.searched
        guard isGrouped else {
            let others = applicable.filter { !searched.contains($0) }
            return others.isEmpty ? nil : .joined(others.map { $0.sql(searchLeads: searchLeads, clock: clock, dialect: dialect) }, separator: " AND ")
        }
        let terms = self.terms.filter { term in !term.filters.allSatisfy(searched.contains) }
        guard !terms.isEmpty else { return nil }
        return .joined(terms.map { term in
            .joined(term.filters.map { $0.sql(searchLeads: searchLeads, clock: clock, dialect: dialect) },
                    separator: match(ofGroup: term.group) == .all ? " AND " : " OR ")
        }, separator: match == .all ? " AND " : " OR ")
    }
}
