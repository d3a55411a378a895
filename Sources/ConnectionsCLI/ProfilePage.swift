import ArgumentParser
import Domain
import FastCGI
import Foundation
import Storage
import Web

struct ProfilePage: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile-page", abstract: "Time the table page's SQL and handler in-process (for scripts/bench).")

    @OptionGroup var database: DatabaseOption

    @Option(help: "Folder of the page templates.")
    var views = "Views"

    @Option(help: "How many times to run each part.")
    var iterations = 2000

    @Option(help: "The user whose page is timed.")
    var email = DemoData.adminEmail

    @Option(help: "That user's password.")
    var password = DemoData.password

    @Option(help: "The page's query string, as in /connections?QUERY.")
    var query = ""

    func run() throws {
        let web = WebConfiguration(database: database.location, views: try Views(directory: views),
                                   publicBaseURL: "http://127.0.0.1", publicDirectory: "Public")
        let result = try PageProfile(configuration: web, email: email, password: password).measure(query: query, iterations: iterations)
        print(String(format: "first_us=%.1f sql_us=%.1f handler_us=%.1f page_bytes=%d", result.firstMicroseconds, result.sqlMicroseconds, result.handlerMicroseconds, result.pageBytes))
    }
}
