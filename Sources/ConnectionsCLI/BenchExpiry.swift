import ArgumentParser
import Domain
import Foundation
import Storage

/// `connections bench-expiry`: memberships that end, at scale (for scripts/bench-expiry). Fills a
/// new database with connected memberships whose ends are spread over a year, then times what the
/// sweep does each look: finding the due ones (the partial index) and ending a batch of them.
struct BenchExpiry: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-expiry", abstract: "Time the sweep of memberships that end on a new database (for scripts/bench-expiry).")

    @OptionGroup var database: DatabaseOption

    @Option(help: "Connected memberships to make, their ends spread over a year.")
    var memberships = 20_000

    @Option(help: "Batches of the sweep to time.")
    var rounds = 5

    static let start = DateText.parse("2027-01-01T00:00:00Z")!
    static let year: TimeInterval = 365 * 86_400

    func run() throws {
        let database = try self.database.open()
        try Migrator().migrate(database)
        let fill = Date()
        try seed(database)
        let seeded = Date().timeIntervalSince(fill)
        let expiry = MembershipExpiry(database: database)
        // Half a year in: the due ones are the first half; each round ends one batch of them.
        let now = Self.start.addingTimeInterval(Self.year / 2)
        var finds: [Double] = [], sweeps: [Double] = []
        for _ in 0..<max(1, rounds) {
            var began = Date()
            let due = try database.query("""
                SELECT id FROM memberships WHERE state = 'Connected' AND expires_at IS NOT NULL AND expires_at <= \(p: 1) ORDER BY expires_at LIMIT 100
                """, [.text(DateText.store(now))]) { $0.int(0) }
            finds.append(Date().timeIntervalSince(began) * 1000)
            began = Date()
            let ended = try expiry.sweep(now: now)
            sweeps.append(Date().timeIntervalSince(began) * 1000)
            guard due.count == 100, ended == 100 else { throw StartupError(description: "only \(ended) ended: make more memberships") }
        }
        let plan = try database.dialect == .sqlite
            ? database.query("EXPLAIN QUERY PLAN SELECT id FROM memberships WHERE state = 'Connected' AND expires_at IS NOT NULL AND expires_at <= '2027-07-01' ORDER BY expires_at LIMIT 100") { $0.text(3) }
            : database.query("EXPLAIN SELECT id FROM memberships WHERE state = 'Connected' AND expires_at IS NOT NULL AND expires_at <= '2027-07-01' ORDER BY expires_at LIMIT 100") { $0.text(0) }
        func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
        print(String(format: "memberships=%d seed_s=%.1f find_due_ms=%.2f sweep_100_ms=%.1f plan=%@", memberships, seeded, median(finds), median(sweeps),
                     plan.joined(separator: " / ")))
    }

    /// One organization, a connection per 1,000 drivers (rows of a multi-row VALUES: `joined` puts each in parentheses), every membership connected, ends spread evenly over the year.
    func seed(_ database: Database) throws {
        let now = DateText.now()
        try database.transaction(locking: []) {
            try database.run("INSERT INTO organizations (name, name_for_drivers, created_at) VALUES ('Bench', 'Bench', \(p: 1))", [.text(now)])
            let organization = try database.scalarInt("SELECT max(id) FROM organizations")
            var random = SystemRandomNumberGenerator()
            var connections: [Int] = []
            for index in 0..<(memberships + 999) / 1000 {
                connections.append(try database.insertReturningID("""
                    INSERT INTO connections (org_id, name, status, connection_type, approval_type, visibility, search_code, invite_token, created_at, updated_at)
                    VALUES (\(p: 1), \(p: 2), 'Enabled', 'Standard', 'Manually approve', 'Private', \(p: 3), \(p: 4), \(p: 5), \(p: 5))
                    """, [.init(organization), .text("Bench \(index)"), .text(InviteCodes.searchCode(using: &random)),
                          .text(InviteCodes.inviteToken(using: &random)), .text(now)]))
            }
            let chunk = 500
            for first in stride(from: 0, to: memberships, by: chunk) {
                let range = first..<min(memberships, first + chunk)
                var drivers: [SQLFragment] = [], values: [SQLFragment] = []
                for n in range {
                    drivers.append("\(bind: .text("Driver \(n)")), \(bind: .text("driver\(n)@bench.example")), \(bind: .text(now))")
                }
                try database.run("INSERT INTO drivers (name, email, created_at) VALUES \(SQLFragment.joined(drivers, separator: ", "))")
                let firstDriver = try database.scalarInt("SELECT id FROM drivers WHERE email = \(p: 1)", [.text("driver\(range.lowerBound)@bench.example")])
                for n in range {
                    let ends = DateText.store(Self.start.addingTimeInterval(Self.year * Double(n) / Double(memberships)))
                    values.append("""
                        \(bind: .init(connections[n / 1000])), \(bind: .init(firstDriver + n - range.lowerBound)), 'Connected', \(bind: .text(now)), \
                        \(bind: .text(now)), \(bind: .text("Driver \(n)")), \(bind: .text(ends))
                        """)
                }
                try database.run("""
                    INSERT INTO memberships (connection_id, driver_id, state, requested_at, decided_at, driver_name, expires_at)
                    VALUES \(SQLFragment.joined(values, separator: ", "))
                    """)
            }
        }
    }
}
