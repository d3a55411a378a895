import Domain
import FastCGI

/// GET /connections: the table, its sort links and its pager. All state is in the URL.
struct ConnectionsPage {
    let handler: ConsoleHandler

    func respond(to request: Request) throws -> Response {
        let state = try TableState.parse(request.query)
        let columns = ColumnCatalog.defaultVisible
        let page = try ConnectionTable(database: handler.database).page(state, columns: columns)
        let shown = TableState(sort: state.sort, page: page.page, pageSize: state.pageSize)
        return handler.html(page: "connections", title: "Connections", [
            "columns": columns.map { headerContext($0, state: shown) },
            "rows": page.rows.map(rowContext),
            "hasRows": !page.rows.isEmpty,
            "range": "\(Format.integer(page.firstRowNumber))–\(Format.integer(page.lastRowNumber)) of \(Format.integer(page.total))",
            "total": Format.integer(page.total),
            "pager": pagerContext(page, state: shown),
            "pageSizes": TableState.pageSizes.map { ["size": $0, "selected": $0 == shown.pageSize] },
            "hiddenState": hiddenFields(shown),
        ])
    }

    func headerContext(_ column: Column, state: TableState) -> [String: Any] {
        let isSorted = state.sort.column == column
        var next = state
        next.sort = TableSort(column: column, descending: isSorted && !state.sort.descending)
        next.page = 1
        let direction = isSorted ? (state.sort.descending ? "descending" : "ascending") : "none"
        return [
            "label": column.label,
            "key": column.key,
            "sortURL": url(next),
            "ariaSort": direction,
            "sorted": isSorted,
            "descending": isSorted && state.sort.descending,
            "numeric": column.kind == .number,
        ]
    }

    func rowContext(_ row: TableRow) -> [String: Any] {
        [
            "id": row.connectionID,
            "cells": row.cells.map { cell -> [String: Any] in
                switch cell {
                case .text(let text): return ["text": text]
                case .number(let number): return ["text": Format.integer(number), "numeric": true]
                case .identifier(let number): return ["text": String(number)]
                case .choice(let value): return ["text": value, "badge": Format.slug(value)]
                case .list(let items): return ["list": items, "isList": true]
                }
            },
        ]
    }

    func pagerContext(_ page: TablePage, state: TableState) -> [String: Any] {
        func link(_ number: Int) -> String {
            var target = state
            target.page = number
            return url(target)
        }
        return [
            "page": Format.integer(page.page),
            "pageCount": Format.integer(page.pageCount),
            "hasPrevious": page.page > 1,
            "hasNext": page.page < page.pageCount,
            "firstURL": link(1),
            "previousURL": link(max(1, page.page - 1)),
            "nextURL": link(min(page.pageCount, page.page + 1)),
            "lastURL": link(page.pageCount),
        ]
    }

    /// The state a GET form (page size) must carry along, apart from what it changes.
    func hiddenFields(_ state: TableState) -> [[String: String]] {
        state.queryPairs.filter { $0.name != "size" && $0.name != "page" }.map { ["name": $0.name, "value": $0.value] }
    }

    func url(_ state: TableState) -> String {
        let query = URLEncoding.encode(state.queryPairs)
        return query.isEmpty ? "/connections" : "/connections?" + query
    }
}
