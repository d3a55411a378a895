import Foundation

/// How long a connection's memberships last from their approval: for ever (as before), a number of
/// days or months, or until a fixed date. Stored in `connections.membership_lasts` as the text it
/// reads as ("30 days", "6 months", "until 2027-06-30"; null for ever), and parsed strictly back.
public enum MembershipLength: Sendable, Equatable {
    case forever
    case days(Int)
    case months(Int)
    /// The day every membership ends ("2027-06-30"), at its start (00:00 UTC).
    case until(String)

    public static let mostDays = 3650
    public static let mostMonths = 120

    /// The stored text; nil for ever.
    public var stored: String? {
        switch self {
        case .forever: return nil
        case .days(let n): return n == 1 ? "1 day" : "\(n) days"
        case .months(let n): return n == 1 ? "1 month" : "\(n) months"
        case .until(let day): return "until \(day)"
        }
    }

    /// How a page says it: "for ever", "30 days after approval", "until 30 June 2027".
    public var summary: String {
        switch self {
        case .forever: return "For ever"
        case .days, .months: return "\(stored!) after approval"
        case .until(let day): return "Until \(DateText.day(day + "T00:00:00Z"))"
        }
    }

    /// Reads a stored value strictly (an unknown one is an error naming the connection).
    public static func parse(stored text: String?) -> MembershipLength? {
        guard let text else { return .forever }
        let words = text.split(separator: " ").map(String.init)
        guard words.count == 2 else { return nil }
        if words[0] == "until" { return isDay(words[1]) ? .until(words[1]) : nil }
        guard let n = Int(words[0]), String(n) == words[0], n >= 1 else { return nil }
        switch words[1] {
        case "day", "days": return n <= mostDays ? .days(n) : nil
        case "month", "months": return n <= mostMonths ? .months(n) : nil
        default: return nil
        }
    }

    /// From a form or a JSON body: `kind` is forever, days, months or until; `amount` the days or
    /// months, or the date (YYYY-MM-DD).
    public static func from(kind: String, amount: String) throws(UserError) -> MembershipLength {
        let value = amount.trimmingCharacters(in: .whitespaces)
        switch kind {
        case "forever", "": return .forever
        case "days", "months":
            let most = kind == "days" ? mostDays : mostMonths
            guard let n = RequestNumber.parse(value, in: 1...most) else {
                throw UserError.badRequest("Give the number of \(kind) a membership lasts, from 1 to \(most).")
            }
            return kind == "days" ? .days(n) : .months(n)
        case "until":
            guard isDay(value) else { throw UserError.badRequest("Give the date memberships end as YYYY-MM-DD, e.g. 2027-06-30.") }
            return .until(value)
        default:
            throw UserError.badRequest("A membership lasts forever, a number of days or months, or until a date.")
        }
    }

    /// A real calendar day as YYYY-MM-DD.
    static func isDay(_ text: String) -> Bool {
        guard text.utf8.count == 10, let date = DateText.parse(text + "T00:00:00Z") else { return false }
        return DateText.store(date).hasPrefix(text)
    }

    /// When a membership approved at `approved` ends (stored text), nil for never.
    public func end(after approved: Date) -> String? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        switch self {
        case .forever: return nil
        case .days(let n): return DateText.store(approved.addingTimeInterval(TimeInterval(n) * 86_400))
        case .months(let n): return calendar.date(byAdding: .month, value: n, to: approved).map(DateText.store)
        case .until(let day): return day + "T00:00:00Z"
        }
    }
}
