import Foundation
import Storage

/// The overview's figures for the organizations a user sees: read from the rows the writes keep
/// (`overview_days`, `overview_orgs`: Storage/OverviewRollupSQL.swift), never by counting memberships.
/// Days are UTC calendar days; a request's age is counted in whole days.
public struct Overview: Sendable {
    public struct DayCount: Sendable, Equatable {
        public let day: String
        public let count: Int
    }

    /// Seven days ending on `last` (the last week ends today).
    public struct Week: Sendable, Equatable {
        public let first: String
        public let last: String
        public var requested = 0, joinedAutomatic = 0, joinedByDomain = 0, joinedManual = 0, removed = 0, denied = 0, invited = 0
        public var joined: Int { joinedAutomatic + joinedByDomain + joinedManual }
    }

    public struct ConnectionCount: Sendable, Equatable {
        public let id: Int
        public let name: String
        public let organization: String
        public let drivers: Int
    }

    public struct OrganizationFigures: Sendable, Equatable {
        public let id: Int
        public let name: String
        public let pending: Int
        public let connected: Int
        /// Joins less removals over the last four weeks.
        public let growth: Int
    }

    public static let backlogDays = 90
    public static let weekCount = 52
    public static let topCount = 20
    public static let organizationCount = 10
    /// The age buckets of waiting requests, by whole days since the request: under a day, 1-3 days, 3-7, older.
    public static let ageBuckets: [(label: String, days: ClosedRange<Int>)] = [
        ("Under a day", 0...0), ("1–3 days", 1...2), ("3–7 days", 3...6), ("Over a week", 7...Int.max),
    ]

    public let today: String
    public let organizationIDs: [Int]
    public var pending = 0, connected = 0, connections = 0, emptyConnections = 0
    /// The requests waiting at the end of each of the last 90 days, oldest first.
    public var backlog: [DayCount] = []
    /// How many of today's waiting requests fall in each of `ageBuckets`.
    public var ages: [Int] = []
    public var weeks: [Week] = []
    public var topConnections: [ConnectionCount] = []
    /// A few of the connections with no driver (their count is `emptyConnections`).
    public var emptySample: [ConnectionCount] = []
    /// For a user of several organizations: those with the longest queues.
    public var organizations: [OrganizationFigures] = []

    public var waitingOverAWeek: Int { ages.last ?? 0 }

    /// The figures of `organizationIDs` (those the caller may see) as of `now`.
    public static func read(organizations organizationIDs: [Int], in database: Database, now: Date = Date()) throws -> Overview {
        let todayNumber = Int(now.timeIntervalSince1970) / 86_400
        func day(_ number: Int) -> String { String(DateText.store(secondsSince1970: number * 86_400).prefix(10)) }
        var overview = Overview(today: day(todayNumber), organizationIDs: organizationIDs)
        guard !organizationIDs.isEmpty else { return overview }
        let everyOrganization = try database.scalarInt("SELECT count(*) FROM organizations") == organizationIDs.count
        // An Admin of every organization reads the installation's rows (organizations -1 to -16).
        let scope: SQLValue = .idList(everyOrganization ? OverviewRollupSQL.installationRows : organizationIDs)
        let list: SQLValue = .idList(organizationIDs)

        let totals = try database.query("""
            SELECT coalesce(sum(pending), 0), coalesce(sum(connected), 0), coalesce(sum(connections), 0), coalesce(sum(empty_connections), 0)
            FROM overview_orgs WHERE org_id IN (\(ids: 1))
            """, [list]) { [$0.int(0), $0.int(1), $0.int(2), $0.int(3)] }.first ?? [0, 0, 0, 0]
        (overview.pending, overview.connected, overview.connections, overview.emptyConnections) = (totals[0], totals[1], totals[2], totals[3])

        let firstDay = todayNumber - weekCount * 7 + 1
        let rows = try database.query("""
            SELECT day, sum(requested), sum(pending_change), sum(waiting), sum(joined_automatic), sum(joined_domain), sum(joined_manual),
                   sum(denied), sum(removed), sum(invited)
            FROM overview_days WHERE org_id IN (\(ids: 1)) AND day >= \(p: 2) AND day <= \(p: 3) GROUP BY day
            """, [scope, .text(day(firstDay)), .text(day(todayNumber))]) { row in
            (day: row.text(0), values: (Int32(1)...9).map { row.int($0) })
        }
        let byDay = Dictionary(rows.map { ($0.day, $0.values) }, uniquingKeysWith: { $1 })

        // The backlog at the end of each day: today's, less each later day's change.
        var waiting = overview.pending
        var backlog: [DayCount] = []
        for number in stride(from: todayNumber, to: todayNumber - backlogDays, by: -1) {
            backlog.append(DayCount(day: day(number), count: waiting))
            waiting -= byDay[day(number)]?[1] ?? 0
        }
        overview.backlog = backlog.reversed()

        var ages = ageBuckets.map { _ in 0 }
        var recent = 0
        for (index, bucket) in ageBuckets.enumerated().dropLast() {
            for age in bucket.days { ages[index] += byDay[day(todayNumber - age)]?[2] ?? 0 }
            recent += ages[index]
        }
        ages[ages.count - 1] = max(0, overview.pending - recent)
        overview.ages = ages

        overview.weeks = (0..<weekCount).map { index in
            let last = todayNumber - (weekCount - 1 - index) * 7
            var week = Week(first: day(last - 6), last: day(last))
            for number in (last - 6)...last {
                guard let values = byDay[day(number)] else { continue }
                week.requested += values[0]
                week.joinedAutomatic += values[3]
                week.joinedByDomain += values[4]
                week.joinedManual += values[5]
                week.denied += values[6]
                week.removed += values[7]
                week.invited += values[8]
            }
            return week
        }

        // Every organization: ties newest first, so both databases read the connected-drivers index
        // backwards, no sort. Some organizations: "+ 0" keeps that index out, so each organization's
        // connections are read by its own index and sorted (a few hundred, not a scan of the index
        // for the few that are theirs).
        let inScope: SQLFragment = everyOrganization ? "" : "AND c.org_id IN (\(ids: 1))"
        let drivers: SQLFragment = everyOrganization ? "c.connected_drivers" : "c.connected_drivers + 0"
        let id: SQLFragment = everyOrganization ? "c.id" : "c.id + 0"
        overview.topConnections = try database.query("""
            SELECT c.id, c.name, o.name, c.connected_drivers FROM connections c JOIN organizations o ON o.id = c.org_id
            WHERE \(drivers) > 0 \(inScope) ORDER BY \(drivers) DESC, \(id) DESC LIMIT \(raw: String(topCount))
            """, everyOrganization ? [] : [list]) { ConnectionCount(id: $0.int(0), name: $0.text(1), organization: $0.text(2), drivers: $0.int(3)) }
        overview.emptySample = try database.query("""
            SELECT c.id, c.name, o.name FROM connections c JOIN organizations o ON o.id = c.org_id
            WHERE \(drivers) = 0 \(inScope) ORDER BY \(id) LIMIT 10
            """, everyOrganization ? [] : [list]) { ConnectionCount(id: $0.int(0), name: $0.text(1), organization: $0.text(2), drivers: 0) }

        if organizationIDs.count > 1 {
            let busiest = try database.query("""
                SELECT f.org_id, o.name, f.pending, f.connected FROM overview_orgs f JOIN organizations o ON o.id = f.org_id
                WHERE f.org_id IN (\(ids: 1)) ORDER BY f.pending DESC, f.org_id LIMIT \(raw: String(organizationCount))
                """, [list]) { (id: $0.int(0), name: $0.text(1), pending: $0.int(2), connected: $0.int(3)) }
            let growth = Dictionary(try database.query("""
                SELECT org_id, sum(joined_automatic + joined_domain + joined_manual - removed) FROM overview_days
                WHERE org_id IN (\(ids: 1)) AND day >= \(p: 2) GROUP BY org_id
                """, [.idList(busiest.map(\.id)), .text(day(todayNumber - 27))]) { ($0.int(0), $0.int(1)) }, uniquingKeysWith: { $1 })
            overview.organizations = busiest.map {
                OrganizationFigures(id: $0.id, name: $0.name, pending: $0.pending, connected: $0.connected, growth: growth[$0.id] ?? 0)
            }
        }
        return overview
    }
}
