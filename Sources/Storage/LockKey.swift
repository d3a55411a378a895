/// What a write transaction locks on PostgreSQL: the thing its rule reads before it writes (a
/// count, a unique name, a state), so that writers of different things never wait for each other.
/// Each key is a transaction-scoped advisory lock; on SQLite, where one writer at a time holds the
/// whole file (BEGIN IMMEDIATE), keys are not needed and cost nothing.
///
/// The order of the cases is the order keys are taken in (then by id, then by name), so two
/// transactions never wait for each other's keys in a cycle: an organization before its
/// connections, a connection before users, named keys last.
public enum LockKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Names, search codes and daily limits of an organization.
    case organization(Int)
    /// Joins, decisions, rotation, status and the per-connection limits of one connection.
    case connection(Int)
    /// A user's sign-in, tokens, preferences and digest.
    case user(Int)
    /// Anything else one rule reads: an address's rate window, the outbox lease, the schema.
    case named(String)

    /// The advisory lock's 64-bit key: the kind in the top byte, the id (or a 56-bit hash of the
    /// name) below, so keys of different kinds never meet.
    public var advisoryKey: Int64 {
        let low: UInt64
        let kind: UInt64
        switch self {
        case .organization(let id): kind = 1; low = UInt64(truncatingIfNeeded: id)
        case .connection(let id): kind = 2; low = UInt64(truncatingIfNeeded: id)
        case .user(let id): kind = 3; low = UInt64(truncatingIfNeeded: id)
        case .named(let name): kind = 4; low = Self.fnv1a(name)
        }
        return Int64(bitPattern: kind << 56 | low & 0x00ff_ffff_ffff_ffff)
    }

    /// FNV-1a: stable across processes and releases, unlike Swift's seeded `Hasher`.
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return hash
    }

    public var description: String {
        switch self {
        case .organization(let id): return "organization \(id)"
        case .connection(let id): return "connection \(id)"
        case .user(let id): return "user \(id)"
        case .named(let name): return name
        }
    }

    /// The statements that take `keys` in order, each once: one round trip with the BEGIN.
    static func advisoryLocks(_ keys: [LockKey]) -> String {
        Set(keys).sorted().map { "SELECT pg_advisory_xact_lock(\($0.advisoryKey))" }.joined(separator: "; ")
    }
}
