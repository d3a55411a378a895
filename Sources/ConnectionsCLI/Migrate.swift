import ArgumentParser
import Domain
import FastCGI
import Foundation
import Storage
import Web

struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending schema migrations.")

    @OptionGroup var database: DatabaseOption

    func run() throws {
        let db = try database.open()
        let applied = try Migrator().migrate(db)
        print(applied.isEmpty ? "Schema is up to date." : "Applied migrations \(applied.map(String.init).joined(separator: ", ")).")
    }
}
