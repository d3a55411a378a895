import ArgumentParser
import ConnectionsCLI

/// The test build: the same program as `connections`, whose `serve` also takes `--test-routes`.
/// Only the end-to-end tests run it (Tests/e2e/harness.py); never deploy it.
struct TestBuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connections-test",
        abstract: "connections with the end-to-end tests' hooks (serve --test-routes); never deploy it.",
        subcommands: ConnectionsCommand.configuration.subcommands.map { ObjectIdentifier($0) == ObjectIdentifier(Serve.self) ? TestServe.self : $0 },
        defaultSubcommand: TestServe.self)
}

MemoryTuning.keepFreedHeap()
// Called synchronously on the main thread: the server's signal handling relies on it (TECH-NOTES).
TestBuildCommand.main()
