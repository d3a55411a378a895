import Storage

/// A connection with its drivers and memberships, planned before it has an id.
struct PlannedConnection: Sendable {
    static let membershipColumns = ["connection_id", "id", "driver_id", "state", "denial_reason", "requested_at", "decided_at",
                                    "driver_name"]

    let connection: NewConnection
    let drivers: [[SQLValue]]
    /// Each row without its connection_id, which comes first once the connection is stored.
    let memberships: [[SQLValue]]
}

/// Draws the demo rows from the seeded generator, in order, without touching the database,
/// so it can run on its own thread while the loader stores what it planned.
struct DemoPlanner: Sendable {
    var random: SeededRandom
    let organizations: [DemoData.Organization]
    let connectionCount: Int
    var driverCount = 0
    var membershipCount = 0
    /// The drivers of the previous connection of the same organization: some join this one too.
    var previousDrivers: [(id: Int, name: String)] = []

    init(random: SeededRandom, organizations: [DemoData.Organization], connections: Int) {
        self.random = random
        self.organizations = organizations
        self.connectionCount = connections
    }

    /// Plans every connection and hands them over in batches; stops early if the loader closes the queue.
    mutating func plan(into batches: BoundedQueue<[PlannedConnection]>) {
        var usedCodes = Set<String>(minimumCapacity: connectionCount)
        var batch: [PlannedConnection] = []
        let perOrganization = split(connectionCount, into: organizations.count)
        for (organization, count) in zip(organizations, perOrganization) {
            previousDrivers = []
            for name in connectionNames(count: count) {
                var connection = makeConnection(org: organization, name: name)
                while !usedCodes.insert(connection.searchCode).inserted {
                    connection.searchCode = InviteCodes.searchCode(using: &random)
                }
                batch.append(planMemberships(of: connection, organization: organization))
                if batch.count == 256 {
                    guard batches.put(batch) else { return }
                    batch = []
                }
            }
        }
        if !batch.isEmpty { _ = batches.put(batch) }
        batches.close()
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
        var extra = DemoData.freeNames
        for preset in ConnectionNamePresets.all { for site in DemoData.sites { extra.append("\(preset) – \(site)") } }
        names += extra.shuffled(using: &random)
        var round = 2
        while names.count < count {
            names += ConnectionNamePresets.all.map { "\($0) \(round)" }
            round += 1
        }
        return Array(names.prefix(count))
    }

    mutating func makeConnection(org: DemoData.Organization, name: String) -> NewConnection {
        let status: ConnectionStatus = Int.random(in: 0..<100, using: &random) < 85 ? .enabled : .disabled
        let typeRoll = Int.random(in: 0..<100, using: &random)
        let type: ConnectionType = typeRoll < 80 ? .standard : typeRoll < 92 ? .personalCharging : .leasingCompany
        let approval = [ApprovalType.all, .emailDomain, .manual, .manual].randomElement(using: &random)!
        let visibility: Visibility = Int.random(in: 0..<100, using: &random) < 35 ? .public : .private
        let benefits = BenefitKind.allCases.shuffled(using: &random).prefix([1, 1, 1, 2, 3].randomElement(using: &random)!)
            .map { Benefit($0, discountPercent: $0 == .discountedCharging ? [10, 15, 20, 25, 50].randomElement(using: &random) : nil) }
        let questions = Array(DemoData.questions.shuffled(using: &random).prefix([0, 0, 1, 1, 2].randomElement(using: &random)!))
        let domains = approval == .emailDomain ? [org.domain] + (Bool.random(using: &random) ? ["partners." + org.domain] : []) : []
        let created = Int.random(in: 30...1400, using: &random)
        return NewConnection(orgID: org.id, name: name, status: status, type: type, approval: approval, visibility: visibility,
                             benefits: benefits, questions: questions, emailDomains: domains,
                             searchCode: InviteCodes.searchCode(using: &random), inviteToken: InviteCodes.inviteToken(using: &random),
                             createdAt: DemoData.timestamp(daysAgo: created, using: &random), updatedAt: DemoData.timestamp(daysAgo: Int.random(in: 0...created, using: &random), using: &random))
    }

    /// Drivers in every membership state: most connections have a few, some have dozens,
    /// and some drivers belong to two connections of their organization.
    mutating func planMemberships(of connection: NewConnection, organization: DemoData.Organization) -> PlannedConnection {
        let roll = Int.random(in: 0..<100, using: &random)
        let count = roll < 65 ? Int.random(in: 0...1, using: &random) : roll < 95 ? Int.random(in: 2...4, using: &random)
            : Int.random(in: 6...16, using: &random)
        var drivers: [[SQLValue]] = [], memberships: [[SQLValue]] = [], members: [(id: Int, name: String)] = []
        for slot in 0..<count {
            membershipCount += 1
            let driver: Int, name: String
            if slot < previousDrivers.count && Int.random(in: 0..<100, using: &random) < 60 {
                (driver, name) = previousDrivers[slot]
            } else {
                driverCount += 1
                driver = driverCount
                let first = Int.random(in: 0..<DemoData.firstNames.count, using: &random)
                let last = DemoData.lastNames.randomElement(using: &random)!
                name = "\(DemoData.firstNames[first]) \(last)"
                drivers.append([.init(driver), .text(name),
                                .text("\(DemoData.emailNames[first]).\(driver)@\(organization.domain)"), .text(connection.createdAt)])
            }
            members.append((driver, name))
            let stateRoll = Int.random(in: 0..<100, using: &random)
            let state: MembershipState = stateRoll < 70 ? .connected : stateRoll < 82 ? .pending : stateRoll < 90 ? .denied : .removed
            let reason: SQLValue = state == .denied ? .text(DemoData.denialReasons.randomElement(using: &random)!) : .null
            // Drawn still (demo drivers hold no status link), so that a size gives the same rows as before.
            _ = InviteCodes.inviteToken(using: &random)
            memberships.append([.init(membershipCount), .init(driver), .text(state.rawValue), reason, .text(connection.updatedAt),
                                state == .pending ? .null : .text(connection.updatedAt), .text(name)])
        }
        previousDrivers = members
        return PlannedConnection(connection: connection, drivers: drivers, memberships: memberships)
    }

}
