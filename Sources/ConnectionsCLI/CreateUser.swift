import ArgumentParser
import Domain
import FastCGI
import Foundation
import Storage
import Web

struct CreateUser: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-user", abstract: "Create a user with a role in organizations (the first Admin, for instance).",
        discussion: "The password is read from standard input, so that it stays out of the shell's history.")

    @OptionGroup var database: DatabaseOption

    @Option(help: "The user's email, used to sign in.")
    var email: String

    @Option(help: "The user's name.")
    var name: String

    @Option(help: "Admin, Connections officer or Viewer.")
    var role = Role.admin.rawValue

    @Option(name: .customLong("org"), help: "An Org ID; repeat for several.")
    var organizations: [Int] = []

    @Flag(help: "Give the role in every organization.")
    var allOrganizations = false

    func run() throws {
        guard let role = Role(rawValue: role) else {
            throw ValidationError("--role must be one of: \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let db = try database.open()
        try Migrator().migrate(db)
        let ids = allOrganizations ? try db.query("SELECT id FROM organizations ORDER BY id") { $0.int(0) } : organizations
        guard !ids.isEmpty else { throw ValidationError("name an organization with --org ID, or use --all-organizations") }
        let password = try Self.readPassword()
        do {
            try db.transaction(locking: []) {
                let accounts = Accounts(database: db)
                let user = try accounts.createUser(email: email, name: name, password: password)
                for id in ids {
                    guard try db.scalarInt("SELECT count(*) FROM organizations WHERE id = \(p: 1)", [.init(id)]) == 1 else {
                        throw ValidationError("there is no organization with Org ID \(id)")
                    }
                    try accounts.setRole(userID: user, organizationID: id, role: role)
                }
                try AuditLog(database: db).record(actorID: nil, actor: "command line", organizationID: nil, action: "User created",
                                                  subject: email, details: ["role": role.rawValue])
            }
        } catch let error as UserError {
            throw ValidationError(error.message)
        }
        print("Created \(email) as \(role.rawValue) of \(ids.count) organization\(ids.count == 1 ? "" : "s").")
    }

    /// The password from standard input: one line typed at a terminal; otherwise all of the input
    /// less one final line break, so that a second line or a NUL is refused by the password rules
    /// instead of silently dropped.
    static func readPassword() throws -> String {
        var text: String
        if isatty(STDIN_FILENO) == 1 {
            text = readLine(strippingNewline: false) ?? ""
        } else {
            guard let read = String(data: FileHandle.standardInput.readDataToEndOfFile(), encoding: .utf8) else {
                throw ValidationError("the password on standard input is not UTF-8 text")
            }
            text = read
        }
        // "\r\n" is one Character in Swift: removing the last Character takes either line break whole.
        if text.hasSuffix("\n") || text.hasSuffix("\r\n") { text.removeLast() }
        return text
    }
}
