import Foundation
import Glibc
import Observability

/// `/metrics` over plain HTTP on an address of its own (`--metrics-listen 127.0.0.1:9464`), which
/// nginx does not pass on: Prometheus scrapes each process there, the public never can. Also
/// `/healthz` and `/readyz`, for systemd and the run scripts to ask this one process. One thread,
/// one short request at a time; any other path gets a 404.
public final class MetricsListener: @unchecked Sendable {
    private let socket: Int32
    /// What keeps the process from serving (`/readyz`); empty: ready.
    private let readiness: @Sendable () -> [String]

    private let address: String
    private let socketAddress: sockaddr_in

    /// Checks `address` (host:port) now: a mistyped one refuses the start.
    public init(address: String, readiness: @escaping @Sendable () -> [String]) throws {
        self.readiness = readiness
        self.address = address
        guard let colon = address.lastIndex(of: ":"), let port = UInt16(address[address.index(after: colon)...]) else {
            throw ListenError(message: "--metrics-listen takes host:port (127.0.0.1:9464), not \(address)")
        }
        var address4 = sockaddr_in()
        address4.sin_family = sa_family_t(AF_INET)
        address4.sin_port = port.bigEndian
        guard inet_pton(AF_INET, String(address[..<colon]), &address4.sin_addr) == 1 else {
            throw ListenError(message: "--metrics-listen: \(address[..<colon]) is not an IPv4 address")
        }
        socketAddress = address4
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
    }

    public struct ListenError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// Listens on a thread of its own. A port still held (the process this one replaces, in a rolling
    /// restart, finishing its requests) is tried again every second, logged once: the app serves
    /// meanwhile, and Prometheus sees this process as down until then.
    public func start() {
        Thread.detachNewThread { [self] in
            var address4 = socketAddress
            var logged = false
            while (withUnsafePointer(to: &address4) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }) != 0 || listen(socket, 16) != 0 {
                if !logged { Logs.process.error("cannot listen for metrics on \(address) yet: \(String(cString: strerror(errno))); trying every second") }
                logged = true
                sleep(1)
            }
            if logged { Logs.process.info("listening for metrics on \(address)") }
            while true {
                let client = accept(socket, nil, nil)
                guard client >= 0 else { continue }
                answer(client)
                close(client)
            }
        }
    }

    private func answer(_ client: Int32) {
        // A scraper that stops sending is not waited for.
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while received.count < 16_384, !received.ends(with: Array("\r\n\r\n".utf8)) {
            let count = read(client, &buffer, buffer.count)
            guard count > 0 else { break }
            received += buffer[..<count]
        }
        let requestLine = String(decoding: received.prefix { $0 != UInt8(ascii: "\r") }, as: UTF8.self).split(separator: " ")
        let path = requestLine.count > 1 ? requestLine[1].split(separator: "?").first.map(String.init) ?? "" : ""
        let (status, body): (String, [UInt8])
        switch (requestLine.first, path) {
        case ("GET", "/metrics"): (status, body) = ("200 OK", Telemetry.exposition())
        case ("GET", "/healthz"): (status, body) = ("200 OK", Array("ok\n".utf8))
        case ("GET", "/readyz"):
            let problems = readiness()
            (status, body) = problems.isEmpty ? ("200 OK", Array("ready\n".utf8))
                : ("503 Service Unavailable", Array(("not ready: " + problems.joined(separator: "; ") + "\n").utf8))
        default: (status, body) = ("404 Not Found", Array("Only GET /metrics, /healthz and /readyz are served here.\n".utf8))
        }
        let head = "HTTP/1.1 \(status)\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        let out = Array(head.utf8) + body
        var sent = 0
        while sent < out.count {
            let written = out.withUnsafeBytes { write(client, $0.baseAddress! + sent, $0.count - sent) }
            guard written > 0 else { return }
            sent += written
        }
    }
}

extension Array where Element == UInt8 {
    fileprivate func ends(with suffix: [UInt8]) -> Bool { count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix }
}
