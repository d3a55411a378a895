/// Display formats, written over UTF-8 bytes: they run for every cell of every page.
enum Format {
    /// Numbers as people read them: "12,345".
    static func integer(_ value: Int) -> String {
        let digits = Array(String(value.magnitude).utf8)
        var grouped: [UInt8] = value < 0 ? [UInt8(ascii: "-")] : []
        grouped.reserveCapacity(digits.count + digits.count / 3 + 1)
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { grouped.append(UInt8(ascii: ",")) }
            grouped.append(digit)
        }
        return String(decoding: grouped, as: UTF8.self)
    }

    /// "Acme Robotics" -> "Acme Robotics'", "Northgate University" -> "Northgate University's".
    static func possessive(_ name: String) -> String {
        name.last == "s" || name.last == "S" ? name + "'" : name + "'s"
    }

    /// "Automatically approve all" -> "automatically-approve-all", for CSS classes.
    static func slug(_ value: String) -> String {
        String(decoding: value.utf8.map { byte -> UInt8 in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): return byte
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): return byte + 32
            default: return UInt8(ascii: "-")
            }
        }, as: UTF8.self)
    }

    /// A size limit as people read it: "64 KiB", "1 MiB".
    static func bytes(_ count: Int) -> String {
        if count >= 1 << 20 && count % (1 << 20) == 0 { return "\(integer(count >> 20)) MiB" }
        if count >= 1 << 10 && count % (1 << 10) == 0 { return "\(integer(count >> 10)) KiB" }
        return "\(integer(count)) bytes"
    }
}
