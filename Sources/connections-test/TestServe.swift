import ArgumentParser
import ConnectionsCLI

/// `serve` with one more flag: `--test-routes` turns the end-to-end tests' hooks on.
struct TestServe: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: Serve.configuration.abstract)

    @OptionGroup var serve: Serve

    @Flag(help: "Serve the end-to-end tests' routes under /_test/ and their export knobs.")
    var testRoutes = false

    func run() throws {
        try serve.run(testHooks: testRoutes ? EndToEndHooks() : nil)
    }
}
