import Foundation
import Storage

/// Fills a database with realistic, reproducible demo data: the same seed and
/// size always give the same rows.
public struct DemoData {
    public struct Summary: Sendable {
        public let organizations: Int
        public let connections: Int
        public let drivers: Int
        public let memberships: Int
    }

    let database: Database
    let connectionCount: Int
    var random: SeededRandom

    public init(database: Database, connections: Int, seed: UInt64 = 20261125) {
        self.database = database
        self.connectionCount = connections
        self.random = SeededRandom(seed: seed)
    }

    public static let adminEmail = "admin@demo.test"
    public static let officerEmail = "officer@demo.test"
    public static let viewerEmail = "viewer@demo.test"
    public static let password = "connections-demo"

    /// Organizations of very different sizes, as on the real platform.
    var organizationCount: Int { max(8, connectionCount / 250) }

    public mutating func generate() throws -> Summary {
        try database.bulkLoad(deferringIndexesOf: ["organizations", "connections", "drivers", "memberships"]) {
            let organizations = try insertOrganizations()
            try insertDemoUsers(organizations: organizations.map(\.id))
            // The rows are planned on another thread while this one stores them: two cores, half the wait.
            let planner = DemoPlanner(random: random, organizations: organizations, connections: connectionCount)
            let batches = BoundedQueue<[PlannedConnection]>(capacity: 8)
            let planning = Thread { var planner = planner; planner.plan(into: batches) }
            planning.start()
            defer { batches.close() }
            let writer = ConnectionWriter(database: database)
            var drivers = 0, memberships = 0
            while let batch = batches.take() {
                for planned in batch {
                    let id = try writer.insert(planned.connection)
                    try database.insertRows(into: "drivers", columns: ["id", "name", "email", "created_at"], rows: planned.drivers)
                    try database.insertRows(into: "memberships", columns: PlannedConnection.membershipColumns,
                                            rows: planned.memberships.map { [.init(id)] + $0 })
                    drivers += planned.drivers.count
                    memberships += planned.memberships.count
                }
            }
            // Every driver answered the connection's questions; one statement writes all answers.
            try database.execute("""
                INSERT INTO membership_answers (membership_id, position, prompt, answer)
                SELECT m.id, q.position, q.prompt, printf('%05d', (m.id * 7919 + q.position * 104729) % 90000 + 10000)
                FROM memberships m JOIN connection_questions q ON q.connection_id = m.connection_id
                """)
            return Summary(organizations: organizations.count, connections: connectionCount, drivers: drivers, memberships: memberships)
        }
    }

    struct Organization: Sendable {
        let id: Int
        let name: String
        let domain: String
    }

    static let featuredOrganizations = [
        "Acme Robotics", "Northgate University", "Harbor View Apartments", "Greenline Fleet Services",
        "St. Mary's Medical Center", "Riverside Business Park", "Café Lumière & Co", "Summit Logistics",
    ]
    static let nameParts = ["Blue", "North", "Oak", "Silver", "Pine", "Granite", "Harbor", "Maple", "Cedar", "Lake",
                            "Sun", "River", "Stone", "Eagle", "Bright", "Crescent", "Union", "Pioneer", "Aurora", "Mesa"]
    static let nameKinds = ["Labs", "Campus", "Apartments", "Logistics", "Hospital", "Motors", "Foods", "Energy", "Bank",
                            "Residences", "Hotel", "College", "Stadium", "Airport", "Mall", "Offices", "Transit", "Clinic"]
    static let cities = ["Austin", "Denver", "Portland", "Oslo", "Lyon", "Toronto", "Seattle", "Madrid", "Utrecht", "Boston",
                         "Munich", "Dublin", "Phoenix", "Atlanta", "Zürich", "Malmö", "Québec", "San José", "Kraków", "Nantes"]
    static let sites = ["HQ", "North Lot", "Building 4", "Tower B", "Garage P2", "East Campus", "Depot", "Night Shift",
                        "Downtown", "Warehouse 7", "Level -1", "Main Street", "Airport Road", "Phase 2", "West Wing"]
    static let freeNames = ["EV Pilot Program 2026", "Night Shift Nurses", "Board & Executives", "Car-share Partners",
                            "Ride-hail Drivers", "Summer Interns", "Electric Vans", "Facilities Team", "Alumni Association",
                            "Hotel Guests – VIP", "Tenants' \"Green\" Club", "Déménagement Électrique"]
    static let questions = ["Employee ID", "Vehicle licence plate", "Loyalty card number", "Unit number", "Student number",
                            "Badge number", "Department", "Fleet vehicle number", "Membership number", "Lease contract number"]
    static let firstNames = ["Ana", "Ben", "Chloé", "Dmitri", "Emma", "Farah", "Gustavo", "Hana", "Ivan", "Jia", "Kofi",
                             "Léa", "Mateo", "Nadia", "Omar", "Priya", "Quinn", "Ravi", "Sofia", "Tomás", "Uma", "Yusuf", "Zoë"]
    static let emailNames = firstNames.map { $0.lowercased().folding(options: .diacriticInsensitive, locale: nil) }
    static let lastNames = ["Novak", "García", "Okafor", "Schmidt", "Tanaka", "Dubois", "Kowalski", "O'Brien", "Rossi",
                            "Nguyen", "Larsen", "Haddad", "Müller", "Silva", "Ivanova", "Chen", "Kumar", "Byrne"]
    static let denialReasons = ["We could not match your employee ID.", "This connection is for residents only.",
                                "Please use your company email address.", "Your lease has ended."]

    mutating func insertOrganizations() throws -> [Organization] {
        var organizations: [Organization] = []
        var used = Set<String>()
        for index in 0..<organizationCount {
            var name: String
            if index < Self.featuredOrganizations.count {
                name = Self.featuredOrganizations[index]
            } else {
                name = "\(Self.nameParts.randomElement(using: &random)!) \(Self.nameKinds.randomElement(using: &random)!) \(Self.cities.randomElement(using: &random)!)"
            }
            if used.contains(name) { name += " \(index)" }
            used.insert(name)
            let id = 104_000 + index * 7
            let slug = name.lowercased().folding(options: .diacriticInsensitive, locale: nil)
                .map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined()
                .split(separator: "-").joined(separator: "-")
            try database.run("INSERT INTO organizations (id, name, name_for_drivers, created_at) VALUES (\(p: 1), \(p: 2), \(p: 3), \(p: 4))",
                             [.init(id), .text(name), .text(name), .text(Self.timestamp(daysAgo: 1500 - index % 400, using: &random))])
            organizations.append(Organization(id: id, name: name, domain: slug + ".example"))
        }
        return organizations
    }

    /// The accounts the README lists: an Admin of every organization, an officer of the
    /// first and a viewer of the second.
    func insertDemoUsers(organizations: [Int]) throws {
        let accounts = Accounts(database: database)
        let admin = try accounts.createUser(email: Self.adminEmail, name: "Alex Admin", password: Self.password)
        for organization in organizations { try accounts.setRole(userID: admin, organizationID: organization, role: .admin) }
        let officer = try accounts.createUser(email: Self.officerEmail, name: "Olu Officer", password: Self.password)
        try accounts.setRole(userID: officer, organizationID: organizations[0], role: .connectionsOfficer)
        let viewer = try accounts.createUser(email: Self.viewerEmail, name: "Vera Viewer", password: Self.password)
        try accounts.setRole(userID: viewer, organizationID: organizations[1], role: .viewer)
    }

    /// A fixed "now" keeps demo data identical from run to run.
    static let epoch = Date(timeIntervalSince1970: 1_764_072_000)  // 2025-11-25 12:00 UTC

    static func timestamp(daysAgo: Int, using random: inout SeededRandom) -> String {
        DateText.store(secondsSince1970: Int(epoch.timeIntervalSince1970) - daysAgo * 86_400 + Int.random(in: 0..<86_400, using: &random))
    }
}
