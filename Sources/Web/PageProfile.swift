import Domain
import FastCGI
import Foundation

/// Where one table page's time goes inside the app, for the benchmark: the SQL alone,
/// and the whole handler (session, SQL, view model, template). The transport is measured from outside.
public struct PageProfile {
    public struct Result: Sendable {
        /// The first run, before any count is remembered.
        public let firstMicroseconds: Double
        public let sqlMicroseconds: Double
        public let handlerMicroseconds: Double
        public let pageBytes: Int
    }

    let handler: ConsoleHandler
    let session: Accounts.Session

    /// Signs in as the given user, as a browser would before opening the page.
    public init(configuration: WebConfiguration, email: String, password: String) throws {
        handler = try ConsoleHandler(configuration: configuration)
        session = try Accounts(database: handler.database).signIn(email: email, password: password, address: "profile")
    }

    /// Times the table page at `query` (the part of its URL after "?").
    public func measure(query: String, iterations: Int) throws -> Result {
        let request = Request(method: "GET", path: "/connections", queryString: query,
                              headers: ["cookie": "\(SessionCookie.name)=\(session.token)"])
        let table = ConnectionTable(database: handler.database)
        let organizations = session.access.organizations(allowing: .viewConnections)
        let state = try TableState.parse(request.query)
        let first = try median(1) {
            _ = try table.page(state, columns: ColumnCatalog.defaultVisible, organizations: organizations)
        }
        let sql = try median(iterations) {
            _ = try table.page(state, columns: ColumnCatalog.defaultVisible, organizations: organizations)
        }
        var bytes = 0
        let whole = try median(iterations) {
            if case .bytes(let body) = handler.respond(to: request).body { bytes = body.count }
        }
        return Result(firstMicroseconds: first, sqlMicroseconds: sql, handlerMicroseconds: whole, pageBytes: bytes)
    }

    private func median(_ iterations: Int, _ body: () throws -> Void) throws -> Double {
        var samples: [Double] = []
        samples.reserveCapacity(iterations)
        for _ in 0..<iterations {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1000)
        }
        return samples.sorted()[samples.count / 2]
    }
}
