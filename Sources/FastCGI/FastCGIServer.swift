import CFCGI
import Foundation
import Observability

/// A pool of threads accepting FastCGI requests on one socket with libfcgi.
/// SIGTERM/SIGINT: a unix socket's path goes at once (nginx moves to another process), what was
/// already queued is answered, and in-flight requests finish within the grace period; streams
/// still running then are told to stop (`Request.serverStopping`) and end marked as incomplete.
public final class FastCGIServer: Sendable {
    public let configuration: ServerConfiguration
    private let makeHandler: @Sendable () throws -> any RequestHandler

    public init(configuration: ServerConfiguration, makeHandler: @escaping @Sendable () throws -> any RequestHandler) {
        self.configuration = configuration
        self.makeHandler = makeHandler
    }

    public struct StartError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Serves until SIGTERM or SIGINT; must be called on the main thread.
    public func run(onReady: () -> Void = {}) throws {
        guard FCGX_Init() == 0 else { throw StartError(description: "FCGX_Init failed") }
        // Blocked here, before any thread starts, so only sigwait below sees them.
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        sigaddset(&stopSignals, SIGTERM)
        sigaddset(&stopSignals, SIGINT)
        pthread_sigmask(SIG_BLOCK, &stopSignals, nil)

        if configuration.isUnixSocket { unlink(configuration.address) }
        let socket = FCGX_OpenSocket(configuration.address, 1024)
        guard socket >= 0 else { throw StartError(description: "cannot listen on \(configuration.address): \(String(cString: strerror(errno)))") }
        if configuration.isUnixSocket { chmod(configuration.address, mode_t(configuration.socketMode)) }
        // Accepted connections inherit the receive timeout (Linux copies it from the listening
        // socket): a read that waits longer fails, and libfcgi closes that connection and accepts the next.
        var idle = timeval(tv_sec: configuration.idleTimeoutSeconds, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &idle, socklen_t(MemoryLayout<timeval>.size))
        // The path is ours until the stop signal: after it, another process may already listen there.
        var ownsPath = configuration.isUnixSocket
        defer { if ownsPath { unlink(configuration.address) } }

        let finished = DispatchSemaphore(value: 0)
        let stopping = StopState()
        for index in 0..<configuration.threads {
            let thread = Thread { [self] in
                serve(socket: socket, stopping: stopping)
                finished.signal()
            }
            thread.name = "fcgi-\(index)"
            thread.stackSize = 1 << 20
            thread.start()
        }
        Logs.process.info("listening on \(configuration.address) with \(configuration.threads) threads")
        onReady()

        var received: Int32 = 0
        sigwait(&stopSignals, &received)
        Logs.process.info("signal \(received): no new connections; finishing the accepted ones")
        let deadline = DispatchTime.now() + configuration.shutdownGraceSeconds
        if configuration.isUnixSocket {
            // Without its path nobody can connect any more: nginx's next connect fails at once and goes
            // to another process, before any request is sent, so even a POST moves safely. What is
            // already queued on the socket is still accepted and answered.
            unlink(configuration.address)
            ownsPath = false
            drainQueuedConnections(socket, until: deadline)
        }
        stopping.requestStop()
        FCGX_ShutdownPending()
        // Wakes every thread blocked in accept(); busy ones finish their request first.
        shutdown(socket, Int32(SHUT_RDWR))
        var running = configuration.threads
        while running > 0, finished.wait(timeout: deadline) == .success { running -= 1 }
        if running > 0 {
            // Past the grace period: responses still streaming end marked incomplete, and get a moment to say so.
            Logs.process.error("grace period over: \(running) requests still running are told to stop")
            stopping.passDeadline()
            let windDown = DispatchTime.now() + Self.windDownSeconds
            while running > 0, finished.wait(timeout: windDown) == .success { running -= 1 }
        }
        close(socket)
        Logs.process.info(running > 0 ? "stopped with \(running) requests cut off" : "stopped")
    }

    /// Ends a streamed response so that the client's transfer breaks instead of ending cleanly.
    /// nginx passes a stream of unknown length on as chunks and takes the connection's close for
    /// its end, so closing is not enough: once nginx has read what was sent (the "incomplete"
    /// marker included, up to a second), a record no FastCGI peer accepts makes nginx drop the
    /// client's connection without the final chunk.
    static func breakTransfer(_ fd: Int32) {
        var unread: Int32 = 0
        for _ in 0..<100 where ioctl(fd, UInt(TIOCOUTQ), &unread) == 0 && unread > 0 { usleep(10_000) }
        let invalidRecord: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0]  // FastCGI version 0 does not exist
        _ = invalidRecord.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    }

    /// How long requests cut by the grace period have to write their "incomplete" marker.
    static let windDownSeconds = 2.0

    /// Waits until nothing waits in the socket's queue (the workers accepted it all), or the deadline.
    private func drainQueuedConnections(_ socket: Int32, until deadline: DispatchTime) {
        var quietChecks = 0
        while quietChecks < 5 && DispatchTime.now() < deadline {
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            quietChecks = poll(&descriptor, 1, 0) == 0 ? quietChecks + 1 : 0
            usleep(20_000)
        }
    }

    private func serve(socket: Int32, stopping: StopState) {
        let handler: any RequestHandler
        do {
            handler = try makeHandler()
        } catch {
            Logs.process.error("worker cannot start: \(error)")
            exit(1)
        }
        var request = FCGX_Request()
        guard FCGX_InitRequest(&request, socket, 0) == 0 else {
            Logs.process.error("FCGX_InitRequest failed")
            return
        }
        while !stopping.stopRequested {
            // A failed accept is not the end of the worker unless the server stops: the idle timeout
            // also ends an accept() that waited that long, and a lack of file descriptors passes.
            guard FCGX_Accept_r(&request) >= 0 else {
                usleep(1_000)
                continue
            }
            switch answer(&request, with: handler, stopping: stopping) {
            case .answered:
                // The input is read to its end (the empty FCGI_STDIN record) whatever the answer, even one
                // given without reading the body: a socket closed with input unread is reset, and nginx
                // then loses the end of the answer it is still reading.
                let readToEnd = Self.drainInput(request.in)
                if !readToEnd { request.keepConnection = 0 }
                // Read to its end, a unix socket can close at once (libfcgi would wait for nginx to hang up
                // first, holding the thread idle); a peer that did not end its input is not waited for either.
                if configuration.isUnixSocket || !readToEnd { FCGX_Detach(&request) }
                FCGX_Finish_r(&request)
            case .aborted:
                FCGX_FFlush(request.out)
                Self.breakTransfer(request.ipcFd)
                FCGX_Detach(&request)
                FCGX_Free(&request, 1)
            }
        }
        FCGX_Free(&request, 1)
    }

    enum Outcome {
        case answered
        /// A streamed body could not finish and must not look finished.
        case aborted
    }

    private func answer(_ raw: inout FCGX_Request, with handler: any RequestHandler, stopping: StopState) -> Outcome {
        let parameters = Parameters(raw.envp)
        let method = parameters["REQUEST_METHOD"] ?? "GET"
        let path = parameters["DOCUMENT_URI"] ?? parameters["SCRIPT_NAME"] ?? "/"
        let out = ResponseStream(stream: raw.out)

        let queryString = parameters["QUERY_STRING"] ?? ""
        // A refused request reaches the handler without its body (and without an address too long to read).
        func refused(_ refusal: TransportRefusal, query: String) -> Outcome {
            let request = Request(method: method, path: path, queryString: query, headers: parameters.headers,
                                  remoteAddress: parameters["REMOTE_ADDR"] ?? "", isHTTPS: parameters["HTTPS"] == "on")
            _ = write(handler.refuse(refusal, request: request), to: out)
            return .answered
        }
        // The same bound as nginx's request line (large_client_header_buffers), for peers other than nginx.
        guard path.utf8.count + queryString.utf8.count <= ServerConfiguration.maxAddressBytes else {
            return refused(.addressTooLong(limit: ServerConfiguration.maxAddressBytes), query: "")
        }
        // Empty without a body; any other non-number reads as too large rather than as no body.
        let contentLength = parameters["CONTENT_LENGTH"].map { $0.isEmpty ? 0 : max(0, Int($0) ?? Int.max) } ?? 0
        let maxBodyBytes = configuration.maxBodyBytes(for: path)
        guard contentLength <= maxBodyBytes else {
            return refused(.bodyTooLarge(limit: maxBodyBytes), query: queryString)
        }
        let request = Request(method: method, path: path, queryString: queryString,
                              headers: parameters.headers, body: readBody(raw.in, length: contentLength),
                              remoteAddress: parameters["REMOTE_ADDR"] ?? "", isHTTPS: parameters["HTTPS"] == "on",
                              serverStopping: { stopping.deadlinePassed })
        return write(handler.respond(to: request), to: out) ? .answered : .aborted
    }

    /// Writes the response; false when a streamed body aborted and the transfer must look broken.
    private func write(_ response: Response, to out: ResponseStream) -> Bool {
        do {
            switch response.body {
            case .bytes(let bytes):
                try out.write(response.headerBlock(contentLength: bytes.count))
                try out.write(bytes)
            case .stream(let produce):
                try out.write(response.headerBlock(contentLength: nil))
                try out.flush()
                try produce(out)
            }
        } catch is ResponseStream.ClientGone {
            // The browser went away; nothing left to tell it.
        } catch is ResponseStream.Abort {
            return false
        } catch {
            // Headers are gone already: the body's producer marks the failure itself.
            Logs.process.error("response stream failed: \(error)")
        }
        return true
    }

    /// nginx sends at most its client_max_body_size (2 MiB); a peer that sends more is not waited for.
    static let drainLimit = 16 << 20

    /// Reads and drops what is left of a request's input; true when it ended as FastCGI ends it
    /// (not by a read error, the idle timeout, or more than `drainLimit`).
    static func drainInput(_ stream: UnsafeMutablePointer<FCGX_Stream>) -> Bool {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 1 << 14) { scratch in
            var drained = 0
            while drained <= drainLimit {
                let read = Int(FCGX_GetStr(scratch.baseAddress!, Int32(scratch.count), stream))
                guard read == scratch.count else { return FCGX_GetError(stream) == 0 && FCGX_HasSeenEOF(stream) != 0 }
                drained += read
            }
            return false
        }
    }

    private func readBody(_ stream: UnsafeMutablePointer<FCGX_Stream>, length: Int) -> [UInt8] {
        guard length > 0 else { return [] }
        var body = [UInt8](repeating: 0, count: length)
        var filled = 0
        body.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: length) { base in
                while filled < length {
                    let read = FCGX_GetStr(base + filled, Int32(min(length - filled, 1 << 16)), stream)
                    if read <= 0 { break }
                    filled += Int(read)
                }
            }
        }
        return filled == length ? body : Array(body[..<filled])
    }
}

/// The FastCGI parameters of a request (CGI environment: NAME=value strings), read once.
struct Parameters {
    private(set) var values: [String: String] = [:]
    /// HTTP_ACCEPT_LANGUAGE as accept-language; CONTENT_TYPE and CONTENT_LENGTH too.
    private(set) var headers: [String: String] = [:]

    init(_ envp: FCGX_ParamArray?) {
        guard var cursor = envp else { return }
        while let entry = cursor.pointee {
            cursor += 1
            let length = strlen(entry)
            guard let equals = memchr(entry, Int32(UInt8(ascii: "=")), length) else { continue }
            let nameLength = entry.distance(to: equals.assumingMemoryBound(to: CChar.self))
            let nameBytes = UnsafeRawBufferPointer(start: entry, count: nameLength)
            let value = String(decoding: UnsafeRawBufferPointer(start: entry + nameLength + 1, count: length - nameLength - 1), as: UTF8.self)
            if nameBytes.starts(with: "HTTP_".utf8) {
                headers[Self.headerName(nameBytes.dropFirst(5))] = value
            } else {
                let name = String(decoding: nameBytes, as: UTF8.self)
                values[name] = value
                if name == "CONTENT_TYPE" || name == "CONTENT_LENGTH" { headers[Self.headerName(nameBytes[...])] = value }
            }
        }
    }

    subscript(name: String) -> String? { values[name] }

    /// ACCEPT_LANGUAGE -> accept-language
    private static func headerName(_ bytes: Slice<UnsafeRawBufferPointer>) -> String {
        String(decoding: bytes.map { byte -> UInt8 in
            switch byte {
            case UInt8(ascii: "_"): return UInt8(ascii: "-")
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): return byte + 32
            default: return byte
            }
        }, as: UTF8.self)
    }
}
