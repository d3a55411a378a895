/// How the FastCGI process listens and how much it accepts.
public struct ServerConfiguration: Sendable {
    /// A unix socket path ("/run/connections.sock") or a TCP "host:port".
    public var address: String
    /// Permission bits of a unix socket, so that nginx's worker may connect.
    public var socketMode: UInt32
    public var threads: Int
    public var maxBodyBytes: Int
    /// Paths that take a larger body (file uploads: an import), and how large.
    public var uploadPaths: @Sendable (String) -> Bool = { _ in false }
    public var maxUploadBytes = 0
    /// How long in-flight requests may run after SIGTERM/SIGINT.
    public var shutdownGraceSeconds: Double
    /// How long a connection may send nothing before it is closed: a peer that connects and stays
    /// silent (a port scan, a stuck client) must not hold a worker thread for ever.
    public var idleTimeoutSeconds: Int

    public init(address: String, socketMode: UInt32 = 0o660, threads: Int = ServerConfiguration.defaultThreads,
                maxBodyBytes: Int = 1 << 20, shutdownGraceSeconds: Double = 10, idleTimeoutSeconds: Int = 30) {
        self.idleTimeoutSeconds = max(1, idleTimeoutSeconds)
        self.address = address
        self.socketMode = socketMode
        self.threads = max(1, threads)
        self.maxBodyBytes = maxBodyBytes
        self.shutdownGraceSeconds = shutdownGraceSeconds
    }

    /// The longest path and query accepted: nginx's request line limit (large_client_header_buffers
    /// in nginx/connections.conf.template), so that a peer other than nginx meets the same bound.
    public static let maxAddressBytes = 32 << 10

    /// Requests spend little time waiting, so two threads per core keep the cores busy
    /// without the cost of switching between many (measured in BENCHMARKS.md).
    public static var defaultThreads: Int { max(4, 2 * System.coreCount) }

    /// The largest body a request to `path` may carry.
    func maxBodyBytes(for path: String) -> Int {
        uploadPaths(path) ? max(maxBodyBytes, maxUploadBytes) : maxBodyBytes
    }

    var isUnixSocket: Bool { address.hasPrefix("/") || address.hasPrefix(".") }
}

enum System {
    static var coreCount: Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
}

#if canImport(Glibc)
import Glibc
#endif
