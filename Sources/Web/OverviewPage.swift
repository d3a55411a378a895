import Domain
import FastCGI
import Foundation
import Storage

/// GET /overview: the organizations' requests, joins and drivers as charts drawn on the server
/// (`SVGChart`), each with its title, axis labels, a sentence saying what it shows, its numbers as
/// a table and a link to the table or queue behind it. The landing page of Admins and officers.
struct OverviewPage {
    let page: Page
    static let mostInPicker = 200

    /// The organizations `org` in the query asks for (all the user's, or one of them), read for
    /// this page and the API alike.
    static func read(_ request: Request, access: Access, database: Database) throws -> (overview: Overview, organizations: [Int]) {
        var organizations = access.organizations(allowing: .viewConnections)
        if let requested = request.queryValue("org"), requested != "all" {
            organizations = [try access.organization(requested, allowing: .viewConnections)]
        }
        return (try Overview.read(organizations: organizations, in: database), organizations)
    }

    /// Where a signed-in user starts: the overview for those who decide on requests, the table for Viewers.
    static func landing(for access: Access) -> String {
        access.organizations(allowing: .decideMemberships).isEmpty ? "/connections" : "/overview"
    }

    func respond() throws -> Response {
        let (overview, organizations) = try Self.read(page.request, access: page.access, database: page.database)
        let names = try Accounts(database: page.database).organizationNames(for: page.access, allowing: .viewConnections)
        let org = organizations.count == 1 && names.count > 1 ? "&org=\(organizations[0])" : ""
        var charts = [backlog(overview, org: org), ages(overview, org: org), joins(overview, org: org), invites(overview, org: org), drivers(overview, org: org)]
        if !overview.organizations.isEmpty { charts.append(byOrganization(overview)) }
        return page.html(.overview, title: "Overview", [
            "charts": .list(charts),
            "lede": .text(Self.lede(overview)),
            // A picker of thousands of organizations is no help (and a large page): the table's
            // by-organization rows link to each one's overview instead.
            "showPicker": .bool(names.count > 1 && names.count <= Self.mostInPicker),
            "organizations": .list(names.prefix(Self.mostInPicker).map {
                ["id": .text(String($0.id)), "name": .text($0.name), "selected": .bool(organizations.count == 1 && organizations[0] == $0.id)]
            }),
        ])
    }

    static func lede(_ overview: Overview) -> String {
        "\(Format.integer(overview.connected)) connected \(plural(overview.connected, "driver")) in \(Format.integer(overview.connections)) "
            + "\(plural(overview.connections, "connection")); \(Format.integer(overview.pending)) \(plural(overview.pending, "request")) "
            + "\(overview.pending == 1 ? "waits" : "wait"). Figures as of \(overview.today) (UTC days)."
    }

    // MARK: - The charts

    private func backlog(_ overview: Overview, org: String) -> TemplateValue {
        let first = overview.backlog.first?.count ?? 0
        let summary = "\(Format.integer(overview.pending)) \(Self.plural(overview.pending, "request")) \(overview.pending == 1 ? "waits" : "wait"), "
            + "\(Format.integer(overview.waitingOverAWeek)) of them more than a week; \(Format.integer(first)) waited \(Overview.backlogDays) days ago."
        let chart = SVGChart(id: "chart-backlog", title: "Requests waiting, last \(Overview.backlogDays) days", summary: summary,
                             xLabel: "Day (UTC)", yLabel: "Requests waiting")
        let labels = overview.backlog.map { Self.shortDate($0.day) }
        return Self.context(chart, svg: chart.lines(labels: labels, tickEvery: 30, series: [.init(name: "Waiting", values: overview.backlog.map(\.count))]),
                            legend: [], link: ("/requests" + org.replacingOccurrences(of: "&", with: "?"), "Open the request queue"),
                            columns: ["Day", "Waiting"],
                            rows: overview.backlog.reversed().map { [.text($0.day), .text(Format.integer($0.count))] })
    }

    private func ages(_ overview: Overview, org: String) -> TemplateValue {
        let labels = Overview.ageBuckets.map(\.label)
        let parts = zip(labels, overview.ages).map { "\(Format.integer($0.1)) \($0.0.lowercased())" }
        let summary = "\(Format.integer(overview.pending)) \(Self.plural(overview.pending, "request")) \(overview.pending == 1 ? "waits" : "wait"): "
            + parts.joined(separator: ", ") + "."
        let chart = SVGChart(id: "chart-ages", title: "How long requests have waited", summary: summary, xLabel: "Time waiting", yLabel: "Requests")
        return Self.context(chart, svg: chart.bars(labels: labels, tickEvery: 1, series: [.init(name: "Requests", values: overview.ages)]),
                            legend: [], link: ("/requests" + org.replacingOccurrences(of: "&", with: "?"), "Open the request queue, oldest first"),
                            columns: ["Time waiting", "Requests"],
                            rows: zip(labels, overview.ages).map { [.text($0.0), .text(Format.integer($0.1))] })
    }

    private func joins(_ overview: Overview, org: String) -> TemplateValue {
        let weeks = overview.weeks
        let total = { (value: (Overview.Week) -> Int) in weeks.reduce(0) { $0 + value($1) } }
        let summary = "Over \(Overview.weekCount) weeks \(Format.integer(total(\.joined))) drivers joined (\(Format.integer(total(\.joinedAutomatic))) approved "
            + "automatically, \(Format.integer(total(\.joinedByDomain))) by email domain, \(Format.integer(total(\.joinedManual))) by a person) and "
            + "\(Format.integer(total(\.removed))) were removed."
        let chart = SVGChart(id: "chart-joins", title: "Joins and removals per week, last 12 months", summary: summary,
                             xLabel: "Week ending", yLabel: "Drivers")
        let series: [SVGChart.Series] = [.init(name: "Approved automatically", values: weeks.map(\.joinedAutomatic)),
                                         .init(name: "Approved by email domain", values: weeks.map(\.joinedByDomain)),
                                         .init(name: "Approved by a person", values: weeks.map(\.joinedManual)),
                                         .init(name: "Removed", values: weeks.map(\.removed))]
        return Self.context(chart, svg: chart.bars(labels: weeks.map { Self.shortDate($0.last) }, tickEvery: 13, series: series),
                            legend: series.enumerated().map { (chart.swatch($0.offset, line: false), $0.element.name) },
                            link: ("/connections?sort=connected_drivers&order=desc" + org, "Open the connections, most drivers first"),
                            columns: ["Week ending", "Automatically", "By email domain", "By a person", "Removed"],
                            rows: weeks.reversed().map { week in
                                [.text(week.last)] + [week.joinedAutomatic, week.joinedByDomain, week.joinedManual, week.removed].map { .text(Format.integer($0)) }
                            })
    }

    private func invites(_ overview: Overview, org: String) -> TemplateValue {
        let weeks = overview.weeks
        let invited = weeks.reduce(0) { $0 + $1.invited }, joined = weeks.reduce(0) { $0 + $1.joined }
        let summary = "Over \(Overview.weekCount) weeks \(Format.integer(invited)) email \(Self.plural(invited, "invite")) went out and "
            + "\(Format.integer(joined)) \(Self.plural(joined, "driver")) joined."
        let chart = SVGChart(id: "chart-invites", title: "Email invites sent and drivers joined per week", summary: summary,
                             xLabel: "Week ending", yLabel: "Per week")
        let series: [SVGChart.Series] = [.init(name: "Email invites sent", values: weeks.map(\.invited)),
                                         .init(name: "Drivers joined", values: weeks.map(\.joined))]
        return Self.context(chart, svg: chart.lines(labels: weeks.map { Self.shortDate($0.last) }, tickEvery: 13, series: series),
                            legend: series.enumerated().map { (chart.swatch($0.offset, line: true), $0.element.name) },
                            link: ("/connections" + org.replacingOccurrences(of: "&", with: "?"), "Open the connections to invite drivers"),
                            columns: ["Week ending", "Email invites", "Joined"],
                            rows: weeks.reversed().map { [.text($0.last), .text(Format.integer($0.invited)), .text(Format.integer($0.joined))] })
    }

    private func drivers(_ overview: Overview, org: String) -> TemplateValue {
        let top = overview.topConnections
        let empty = overview.emptyConnections
        let lead = top.first.map { "\($0.name) has the most drivers (\(Format.integer($0.drivers)))" } ?? "No connection has a driver yet"
        let summary = "\(lead); \(Format.integer(empty)) \(Self.plural(empty, "connection")) \(empty == 1 ? "has" : "have") no driver."
        let chart = SVGChart(id: "chart-drivers", title: "Drivers per connection, top \(Overview.topCount)", summary: summary,
                             xLabel: "Connected drivers", yLabel: "")
        var rows: [[TemplateValue]] = top.map { [.object([("text", .text($0.name)), ("href", .text("/connections/\($0.id)"))]),
                                                  .text($0.organization), .text(Format.integer($0.drivers))] }
        rows += overview.emptySample.map { [.object([("text", .text($0.name)), ("href", .text("/connections/\($0.id)"))]), .text($0.organization), .text("0")] }
        return Self.context(chart, svg: chart.horizontalBars(top.map { ($0.name, $0.drivers) }), legend: [],
                            link: ("/connections?f=connected_drivers&op=is&v=0" + org, "Open the \(Format.integer(empty)) \(Self.plural(empty, "connection")) with no driver"),
                            columns: ["Connection", "Organization", "Drivers"], rows: rows)
    }

    private func byOrganization(_ overview: Overview) -> TemplateValue {
        let rows = overview.organizations
        let summary = rows.first.map { "\($0.name) has the longest queue (\(Format.integer($0.pending)) waiting) and grew by \(Format.integer($0.growth)) "
            + "\(Self.plural($0.growth, "driver")) in four weeks." } ?? ""
        let chart = SVGChart(id: "chart-organizations", title: "Requests waiting by organization, top \(Overview.organizationCount)", summary: summary,
                             xLabel: "Requests waiting", yLabel: "")
        return Self.context(chart, svg: chart.horizontalBars(rows.map { ($0.name, $0.pending) }), legend: [],
                            link: ("/requests", "Open the request queue"),
                            columns: ["Organization", "Waiting", "Connected drivers", "Growth, 4 weeks"],
                            rows: rows.map { [.object([("text", .text($0.name)), ("href", .text("/overview?org=\($0.id)"))]),
                                              .text(Format.integer($0.pending)), .text(Format.integer($0.connected)), .text(Format.integer($0.growth))] })
    }

    // MARK: - Parts

    private static func context(_ chart: SVGChart, svg: String, legend: [(swatch: String, name: String)], link: (href: String, text: String),
                                columns: [String], rows: [[TemplateValue]]) -> TemplateValue {
        .object([
            ("id", .text(chart.id)), ("title", .text(chart.title)), ("summary", .text(chart.summary)), ("svg", .text(svg)),
            ("hasLegend", .bool(!legend.isEmpty)), ("legend", .list(legend.map { ["swatch": .text($0.swatch), "name": .text($0.name)] })),
            ("href", .text(link.href)), ("linkText", .text(link.text)),
            ("columns", .list(columns.map { .text($0) })),
            ("rows", .list(rows.map { cells in
                .object([("first", firstCell(cells.first)), ("cells", .list(cells.dropFirst().map { ["text": $0] }))])
            })),
        ])
    }

    /// A row's heading cell: its text, and its link when it has one.
    private static func firstCell(_ cell: TemplateValue?) -> TemplateValue {
        guard let cell else { return ["text": "", "linked": false] }
        if case .text = cell { return ["text": cell, "linked": false] }
        return .object([("text", cell.field("text") ?? .text("")), ("href", cell.field("href") ?? .text("")), ("linked", .bool(true))])
    }

    static func plural(_ count: Int, _ word: String) -> String { count == 1 ? word : word + "s" }

    /// "2026-12-08" -> "Dec 8".
    static func shortDate(_ day: String) -> String {
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let parts = day.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, (1...12).contains(parts[1]) else { return day }
        return "\(months[parts[1] - 1]) \(parts[2])"
    }
}
