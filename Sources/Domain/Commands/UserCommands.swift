import Foundation
import Storage

/// An Admin invites someone to an organization as `role` (`UserInvitations` holds the rule and its
/// daily limit); the outcome is what the Admin is told, the same for a known and an unknown address.
public struct InviteUser: Command {
    public let email: String
    public let role: Role
    public let organizationID: Int
    public var dailyLimit = UserInvitations.perOrganizationPerDay
    public var now = Date()

    public init(email: String, role: Role, to organizationID: Int) {
        self.email = email
        self.role = role
        self.organizationID = organizationID
    }

    public func run(by access: Access, in database: Database) throws -> String {
        try UserInvitations(database: database).invite(email: email, role: role, to: organizationID, by: access, dailyLimit: dailyLimit, now: now)
    }
}

/// An Admin withdraws an invitation of their organization.
public struct RevokeInvitation: Command {
    public let invitationID: Int
    public let organizationID: Int

    public init(_ invitationID: Int, in organizationID: Int) {
        self.invitationID = invitationID
        self.organizationID = organizationID
    }

    public func run(by access: Access, in database: Database) throws -> String {
        try UserInvitations(database: database).revoke(invitationID, in: organizationID, by: access)
    }
}

/// An Admin gives a member another role (never leaving the organization without an Admin).
public struct ChangeRole: Command {
    public let userID: Int
    public let organizationID: Int
    public let role: Role

    public init(of userID: Int, in organizationID: Int, to role: Role) {
        self.userID = userID
        self.organizationID = organizationID
        self.role = role
    }

    public func run(by access: Access, in database: Database) throws -> String {
        try OrganizationMembers(database: database).changeRole(of: userID, in: organizationID, to: role, by: access)
    }
}

/// An Admin removes a member from the organization.
public struct RemoveMember: Command {
    public let userID: Int
    public let organizationID: Int

    public init(_ userID: Int, from organizationID: Int) {
        self.userID = userID
        self.organizationID = organizationID
    }

    public func run(by access: Access, in database: Database) throws -> String {
        try OrganizationMembers(database: database).remove(userID, from: organizationID, by: access)
    }
}
