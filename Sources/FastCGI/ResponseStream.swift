import CFCGI

/// The output side of one FastCGI request, for streamed bodies.
public final class ResponseStream {
    private let stream: UnsafeMutablePointer<FCGX_Stream>

    init(stream: UnsafeMutablePointer<FCGX_Stream>) {
        self.stream = stream
    }

    public struct ClientGone: Error {}

    public func write(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return }
        let written = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                FCGX_PutStr($0, Int32(buffer.count), stream)
            }
        }
        guard written == bytes.count else { throw ClientGone() }
    }

    public func write(_ string: String) throws {
        var string = string
        try string.withUTF8 { buffer in
            guard buffer.count > 0 else { return }
            let written = buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                FCGX_PutStr($0, Int32(buffer.count), stream)
            }
            guard written == buffer.count else { throw ClientGone() }
        }
    }

    /// Sends what is buffered to nginx now.
    public func flush() throws {
        guard FCGX_FFlush(stream) == 0 else { throw ClientGone() }
    }
}
