import FastCGI
import Foundation
import Storage

/// What only the test build adds to the console (`connections-test serve --test-routes`, for the
/// end-to-end tests): routes under /_test/ (a slow request, a failing one, a streamed body, a
/// write held open) and knobs that slow an export or lower its limits. The binary `scripts/run`
/// serves (`connections`) links no implementation: there, none of them exists.
public protocol TestHooks: Sendable {
    /// GET or POST /_test/{action}.
    func respond(to request: Request, action: String, database: Database) throws -> Response
    /// The knobs an export's request carries.
    func exportKnobs(_ request: Request) -> ExportKnobs
    /// The time a test has set (memberships that end are swept by it), nil for the real one.
    func now() -> Date?
}

/// How a test bends an export; all nil outside the test build.
public struct ExportKnobs: Sendable {
    /// The export fails after this many rows, as a write error in the middle of a file would.
    public var failAfter: Int?
    /// Milliseconds slept every 1,000 rows, so that a test can stop the server in an export's middle.
    public var pausePer1000Rows: Int?
    /// Excel's row limit lowered, to see the limit at work on a small table.
    public var xlsxRowLimit: Int?

    public init(failAfter: Int? = nil, pausePer1000Rows: Int? = nil, xlsxRowLimit: Int? = nil) {
        self.failAfter = failAfter
        self.pausePer1000Rows = pausePer1000Rows
        self.xlsxRowLimit = xlsxRowLimit
    }
}
