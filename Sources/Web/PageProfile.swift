import Domain
import FastCGI
import Foundation

/// Where one table page's time goes inside the app, for the benchmark: the SQL alone,
/// and the whole handler (SQL, view model, template). The transport is measured from outside.
public struct PageProfile {
    public struct Result: Sendable {
        public let sqlMicroseconds: Double
        public let handlerMicroseconds: Double
        public let pageBytes: Int
    }

    let handler: ConsoleHandler

    public init(configuration: WebConfiguration) throws {
        handler = try ConsoleHandler(configuration: configuration)
    }

    public func measure(iterations: Int) throws -> Result {
        let request = Request(method: "GET", path: "/connections")
        let table = ConnectionTable(database: handler.database)
        let sql = try median(iterations) { _ = try table.page(TableState(), columns: ColumnCatalog.defaultVisible) }
        var bytes = 0
        let whole = try median(iterations) {
            if case .bytes(let body) = try handler.respond(to: request).body { bytes = body.count }
        }
        return Result(sqlMicroseconds: sql, handlerMicroseconds: whole, pageBytes: bytes)
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
