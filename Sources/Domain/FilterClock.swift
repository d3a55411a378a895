import Foundation
import Storage

/// When and where relative date filters ("today", "in the last 7 days") are read: the moment the
/// query runs (nil: the system clock then, so a saved address means the days around the day it is
/// opened) and the time zone whose days, weeks (from Monday) and months count (nil: the
/// organizations' own, which `ConnectionTable` reads; UTC when they differ).
public struct FilterClock: Sendable, Equatable {
    public var now: Date?
    public var timeZone: TimeZone?

    public init(now: Date? = nil, timeZone: TimeZone? = nil) {
        self.now = now
        self.timeZone = timeZone
    }

    /// The calendar relative filters count in: Gregorian, weeks from Monday, in `timeZone`.
    var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone ?? .gmt
        calendar.firstWeekday = 2
        return calendar
    }

    var instant: Date { now ?? Date() }

    /// Midnight at the start of the day `days` after today (before, when negative).
    func startOfDay(_ days: Int = 0) -> Date {
        let calendar = self.calendar
        let today = calendar.startOfDay(for: instant)
        return calendar.date(byAdding: .day, value: days, to: today) ?? today
    }

    /// Midnight at the start of a `YYYY-MM-DD` day (checked by `Filter.isDay`), `days` later.
    func startOf(day text: String, plus days: Int = 0) -> Date {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        let components = DateComponents(year: parts[0], month: parts[1], day: parts[2] + days)
        return calendar.date(from: components) ?? instant
    }

    func start(of unit: Calendar.Component) -> FilterPeriod {
        guard let interval = calendar.dateInterval(of: unit, for: instant) else { return FilterPeriod(from: nil, before: nil) }
        return FilterPeriod(from: interval.start, before: interval.end)
    }
}

/// The instants a relative date filter keeps: from `from` (inclusive) to `before` (exclusive); nil
/// for an open end. Stored dates are UTC text that sorts as it reads (`DateText`), so the bounds
/// compare as text in either database.
struct FilterPeriod: Sendable, Equatable {
    let from: Date?
    let before: Date?

    func sql(_ column: SQLFragment) -> SQLFragment {
        let bounds: [SQLFragment] = [from.map { "\(column) >= \(bind: .text(DateText.store($0)))" },
                                     before.map { "\(column) < \(bind: .text(DateText.store($0)))" }].compactMap { $0 }
        return bounds.isEmpty ? "\(column) IS NOT NULL" : .joined(bounds, separator: " AND ")
    }
}

extension FilterSet {
    /// Whether a filter reads the clock (today, this week, in the last N days, ...).
    var isRelative: Bool {
        applicable.contains { filter in
            if case .period? = filter.condition.template(for: filter.column.kind)?.build { return true }
            return false
        }
    }
}
