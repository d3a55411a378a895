/// The allowed values of PRODUCT.md. The schema's CHECK constraints hold the same lists;
/// a unit test compares them.
public enum ConnectionStatus: String, CaseIterable, Sendable {
    case enabled = "Enabled"
    case disabled = "Disabled"
}

public enum ConnectionType: String, CaseIterable, Sendable {
    case standard = "Standard"
    case personalCharging = "MFHS Personal Charging Connection"
    case leasingCompany = "Leasing Company"
}

public enum ApprovalType: String, CaseIterable, Sendable {
    case all = "Automatically approve all"
    case emailDomain = "Automatically approve by email domain"
    case manual = "Manually approve"
}

public enum Visibility: String, CaseIterable, Sendable {
    case `public` = "Public"
    case `private` = "Private"
}

public enum BenefitKind: String, CaseIterable, Sendable {
    case freeCharging = "Free charging"
    case discountedCharging = "Discounted charging"
    case restrictedStations = "Access to restricted stations"
    case reservedHours = "Reserved hours"
    case homeChargingReimbursement = "Home charging reimbursement"
    case publicCharging = "Public charging"
}

public enum MembershipState: String, CaseIterable, Sendable {
    case pending = "Pending"
    case connected = "Connected"
    case denied = "Denied"
    case removed = "Removed"
}

public enum Role: String, CaseIterable, Sendable {
    case admin = "Admin"
    case connectionsOfficer = "Connections officer"
    case viewer = "Viewer"
}

public enum ConnectionNamePresets {
    public static let all = [
        "Commercial Tenants", "Contractors", "Customers", "Employees", "Faculty", "Fleet", "Guests", "Members",
        "Patients", "Program Participants", "Public", "Residents", "Staff", "Students", "Subscribers", "Valet", "Visitors",
    ]
}
