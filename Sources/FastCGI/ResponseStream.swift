import CFCGI

/// The output side of one request, for streamed bodies: libfcgi's stream when serving, or a
/// buffer for in-process tests.
public final class ResponseStream {
    private let put: (UnsafeRawBufferPointer) -> Bool
    private let push: () -> Bool

    init(stream: UnsafeMutablePointer<FCGX_Stream>) {
        put = { bytes in
            bytes.isEmpty || FCGX_PutStr(bytes.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(bytes.count), stream) == bytes.count
        }
        push = { FCGX_FFlush(stream) == 0 }
    }

    /// A stream that keeps what is written, for reading a streamed body in tests.
    public init(collectingInto buffer: @escaping ([UInt8]) -> Void) {
        put = { bytes in
            buffer(Array(bytes))
            return true
        }
        push = { true }
    }

    public struct ClientGone: Error {}

    /// Thrown by a streamed body that cannot finish (the server is stopping): the transfer must end
    /// broken, so that no client takes what it got for the whole.
    public struct Abort: Error {
        public init() {}
    }

    public func write(_ bytes: [UInt8]) throws {
        guard bytes.withUnsafeBytes(put) else { throw ClientGone() }
    }

    public func write(_ string: String) throws {
        var string = string
        guard string.withUTF8({ put(UnsafeRawBufferPointer($0)) }) else { throw ClientGone() }
    }

    /// Sends what is buffered to nginx now.
    public func flush() throws {
        guard push() else { throw ClientGone() }
    }
}
