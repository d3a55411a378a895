/// The address a client counts under in every limit (sign-in, search codes, join requests): an
/// IPv4 address as it is; an IPv6 address by its first 64 bits, since one machine may hold a whole
/// /64 and could otherwise step past a limit by changing address (an IPv4-mapped one as IPv4).
public enum ClientAddress {
    public static func network(of address: String) -> String {
        guard address.contains(":") else { return address }
        let halves = address.lowercased().components(separatedBy: "::")
        guard halves.count <= 2 else { return address }
        func groups(_ text: String) -> [String] { text.isEmpty ? [] : text.split(separator: ":", omittingEmptySubsequences: false).map(String.init) }
        let head = groups(halves[0]), tail = halves.count == 2 ? groups(halves[1]) : []
        if let last = (tail.isEmpty ? head : tail).last, last.contains(".") {
            // IPv4 in the last 32 bits: ::ffff:192.0.2.1 is that IPv4 address.
            let before = head + tail.dropLast()
            if (before.allSatisfy { $0.isEmpty || Int($0, radix: 16) == 0 } || before.last == "ffff") { return last }
        }
        let missing = 8 - head.count - tail.count
        let all = halves.count == 2 ? head + Array(repeating: "0", count: max(0, missing)) + tail : head
        return all.prefix(4).map { String(Int($0, radix: 16) ?? 0, radix: 16) }.joined(separator: ":") + "::/64"
    }
}
