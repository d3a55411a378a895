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
    var driverCount = 0
    var membershipCount = 0
    /// The drivers of the previous connection of the same organization: some join this one too.
    var previousDrivers: [Int] = []

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
            let writer = ConnectionWriter(database: database)
            var usedCodes = Set<String>(minimumCapacity: connectionCount)
            let perOrganization = split(connectionCount, into: organizations.count)
            for (organization, count) in zip(organizations, perOrganization) {
                previousDrivers = []
                for name in connectionNames(count: count) {
                    var connection = makeConnection(org: organization, name: name)
                    while !usedCodes.insert(connection.searchCode).inserted {
                        connection.searchCode = InviteCodes.searchCode(using: &random)
                    }
                    let id = try writer.insert(connection)
                    try insertMemberships(connectionID: id, connection: connection, organization: organization)
                }
            }
            // Every driver answered the connection's questions; one statement writes all answers.
            try database.execute("""
                INSERT INTO membership_answers (membership_id, position, prompt, answer)
                SELECT m.id, q.position, q.prompt, printf('%05d', (m.id * 7919 + q.position * 104729) % 90000 + 10000)
                FROM memberships m JOIN connection_questions q ON q.connection_id = m.connection_id
                """)
            return Summary(organizations: organizations.count, connections: connectionCount, drivers: driverCount, memberships: membershipCount)
        }
    }

    struct Organization {
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
            try database.run("INSERT INTO organizations (id, name, name_for_drivers, created_at) VALUES (?1, ?2, ?3, ?4)",
                             [.init(id), .text(name), .text(name), .text(timestamp(daysAgo: 1500 - index % 400))])
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

    /// Splits `total` into `parts` uneven but positive-when-possible shares.
    mutating func split(_ total: Int, into parts: Int) -> [Int] {
        let weights = (0..<parts).map { _ in Double(Int.random(in: 1...6, using: &random)) }
        let sum = weights.reduce(0, +)
        var shares = weights.map { Int(Double(total) * $0 / sum) }
        var remainder = total - shares.reduce(0, +)
        var index = 0
        while remainder > 0 {
            shares[index % parts] += 1
            remainder -= 1
            index += 1
        }
        return shares
    }

    /// Unique within the organization: presets first, then presets at sites and free text.
    mutating func connectionNames(count: Int) -> [String] {
        var names = ConnectionNamePresets.all.shuffled(using: &random)
        var extra = Self.freeNames
        for preset in ConnectionNamePresets.all { for site in Self.sites { extra.append("\(preset) – \(site)") } }
        names += extra.shuffled(using: &random)
        var round = 2
        while names.count < count {
            names += ConnectionNamePresets.all.map { "\($0) \(round)" }
            round += 1
        }
        return Array(names.prefix(count))
    }

    mutating func makeConnection(org: Organization, name: String) -> NewConnection {
        let status: ConnectionStatus = Int.random(in: 0..<100, using: &random) < 85 ? .enabled : .disabled
        let typeRoll = Int.random(in: 0..<100, using: &random)
        let type: ConnectionType = typeRoll < 80 ? .standard : typeRoll < 92 ? .personalCharging : .leasingCompany
        let approval = [ApprovalType.all, .emailDomain, .manual, .manual].randomElement(using: &random)!
        let visibility: Visibility = Int.random(in: 0..<100, using: &random) < 35 ? .public : .private
        let benefits = BenefitKind.allCases.shuffled(using: &random).prefix([1, 1, 1, 2, 3].randomElement(using: &random)!)
            .map { Benefit($0, discountPercent: $0 == .discountedCharging ? [10, 15, 20, 25, 50].randomElement(using: &random) : nil) }
        let questions = Array(Self.questions.shuffled(using: &random).prefix([0, 0, 1, 1, 2].randomElement(using: &random)!))
        let domains = approval == .emailDomain ? [org.domain] + (Bool.random(using: &random) ? ["partners." + org.domain] : []) : []
        let created = Int.random(in: 30...1400, using: &random)
        return NewConnection(orgID: org.id, name: name, status: status, type: type, approval: approval, visibility: visibility,
                             benefits: benefits, questions: questions, emailDomains: domains,
                             searchCode: InviteCodes.searchCode(using: &random), inviteToken: InviteCodes.inviteToken(using: &random),
                             createdAt: timestamp(daysAgo: created), updatedAt: timestamp(daysAgo: Int.random(in: 0...created, using: &random)))
    }

    /// Drivers in every membership state: most connections have a few, some have dozens,
    /// and some drivers belong to two connections of their organization.
    mutating func insertMemberships(connectionID: Int, connection: NewConnection, organization: Organization) throws {
        let roll = Int.random(in: 0..<100, using: &random)
        let count = roll < 65 ? Int.random(in: 0...1, using: &random) : roll < 95 ? Int.random(in: 2...4, using: &random)
            : Int.random(in: 6...16, using: &random)
        var drivers: [[SQLValue]] = [], memberships: [[SQLValue]] = [], members: [Int] = []
        for slot in 0..<count {
            membershipCount += 1
            let driver: Int
            if slot < previousDrivers.count && Int.random(in: 0..<100, using: &random) < 60 {
                driver = previousDrivers[slot]
            } else {
                driverCount += 1
                driver = driverCount
                let first = Int.random(in: 0..<Self.firstNames.count, using: &random)
                let last = Self.lastNames.randomElement(using: &random)!
                drivers.append([.init(driver), .text("\(Self.firstNames[first]) \(last)"),
                                .text("\(Self.emailNames[first]).\(driver)@\(organization.domain)"), .text(connection.createdAt)])
            }
            members.append(driver)
            let stateRoll = Int.random(in: 0..<100, using: &random)
            let state: MembershipState = stateRoll < 70 ? .connected : stateRoll < 82 ? .pending : stateRoll < 90 ? .denied : .removed
            memberships.append([.init(membershipCount), .init(connectionID), .init(driver), .text(state.rawValue),
                                state == .denied ? .text(Self.denialReasons.randomElement(using: &random)!) : .null,
                                .text(InviteCodes.inviteToken(using: &random)), .text(connection.updatedAt),
                                state == .pending ? .null : .text(connection.updatedAt)])
        }
        try database.insertRows(into: "drivers", columns: ["id", "name", "email", "created_at"], rows: drivers)
        try database.insertRows(into: "memberships", columns: ["id", "connection_id", "driver_id", "state", "denial_reason",
                                                              "status_token", "requested_at", "decided_at"], rows: memberships)
        previousDrivers = members
    }

    /// A fixed "now" keeps demo data identical from run to run.
    static let epoch = Date(timeIntervalSince1970: 1_764_072_000)  // 2025-11-25 12:00 UTC

    mutating func timestamp(daysAgo: Int) -> String {
        DateText.store(secondsSince1970: Int(Self.epoch.timeIntervalSince1970) - daysAgo * 86_400 + Int.random(in: 0..<86_400, using: &random))
    }
}
