import Foundation

/// Timestamps are stored as ISO 8601 UTC text ("2026-11-25T14:30:00Z"), which sorts as it reads.
public enum DateText {
    public static func now() -> String { store(Date()) }

    public static func store(_ date: Date) -> String {
        store(secondsSince1970: Int(date.timeIntervalSince1970.rounded(.down)))
    }

    /// Formats without Foundation's formatters, which cost microseconds a call in bulk loads.
    public static func store(secondsSince1970 seconds: Int) -> String {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : String(n) }
        return "\(year)-\(two(month))-\(two(day))T\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60))Z"
    }

    public static func parse(_ stored: String) -> Date? {
        try? Date(stored, strategy: Date.ISO8601FormatStyle(timeZone: .gmt))
    }

    /// "30 June 2027": the day of a stored time, as a driver reads when their membership ends.
    public static func day(_ stored: String) -> String {
        let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
        let parts = stored.prefix(10).split(separator: "-")
        guard parts.count == 3, let month = Int(parts[1]), (1...12).contains(month), let day = Int(parts[2]) else { return stored }
        return "\(day) \(months[month - 1]) \(parts[0])"
    }

    /// "2026-11-25 14:30 UTC" for the page.
    public static func display(_ stored: String) -> String {
        guard stored.count >= 16 else { return stored }
        let characters = Array(stored)
        return String(characters[0..<10]) + " " + String(characters[11..<16]) + " UTC"
    }
}
