import Foundation
import Glibc

/// Where a webhook may be sent: the receiver's host resolved once, each address checked, and the
/// address checked is the one libcurl connects to (`CURLOPT_RESOLVE`), so a name that resolves
/// elsewhere a moment later (DNS rebinding) changes nothing. Loopback, link-local (the cloud
/// metadata address among them), private, shared, multicast and unspecified addresses are refused
/// unless the operator allows them (`--webhooks-allow-private`).
public enum WebhookAddress {
    /// The addresses of `host`, or why it cannot be used.
    public static func resolve(_ host: String, allowPrivate: Bool) -> Result<[String], WebhookRefusal> {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        guard getaddrinfo(bare, nil, &hints, &list) == 0, let first = list else { return .failure(.unresolved(host)) }
        defer { freeaddrinfo(first) }
        var addresses: [String] = []
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            if let text = numeric(current.pointee.ai_addr, current.pointee.ai_addrlen), !addresses.contains(text) { addresses.append(text) }
            entry = current.pointee.ai_next
        }
        guard !addresses.isEmpty else { return .failure(.unresolved(host)) }
        if !allowPrivate, let refused = addresses.first(where: { !isPublic($0) }) { return .failure(.privateAddress(host, refused)) }
        return .success(addresses)
    }

    private static func numeric(_ address: UnsafeMutablePointer<sockaddr>?, _ length: socklen_t) -> String? {
        guard let address else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        guard getnameinfo(address, length, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 else { return nil }
        return String(cString: buffer)
    }

    /// Whether a numeric address is a public unicast one.
    public static func isPublic(_ text: String) -> Bool {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return isPublic(v4: withUnsafeBytes(of: v4.s_addr) { Array($0) }) }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return false }
        let bytes = withUnsafeBytes(of: v6) { Array($0) }
        // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible addresses are judged as their IPv4 address.
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && ((bytes[10] == 0xff && bytes[11] == 0xff) || (bytes[10] == 0 && bytes[11] == 0)) {
            return isPublic(v4: Array(bytes[12..<16]))
        }
        if bytes[0] == 0xff { return false }                          // multicast
        if bytes[0] & 0xfe == 0xfc { return false }                   // unique local fc00::/7 (fd00:ec2::254, a metadata address, too)
        if bytes[0] == 0xfe && bytes[1] & 0xc0 == 0x80 { return false } // link-local fe80::/10
        if bytes[0] == 0x20 && bytes[1] == 0x01 && bytes[2] == 0x0d && bytes[3] == 0xb8 { return false } // documentation
        return true
    }

    private static func isPublic(v4 b: [UInt8]) -> Bool {
        switch (b[0], b[1]) {
        case (0, _), (10, _), (127, _), (169, 254), (192, 168), (255, _): return false
        case (172, 16...31), (100, 64...127), (198, 18...19): return false
        case (224...255, _): return false
        case (192, 0) where b[2] == 0 || b[2] == 2: return false
        default: return true
        }
    }
}

/// Why a delivery was not attempted.
public enum WebhookRefusal: Error, Equatable {
    case unresolved(String)
    case privateAddress(String, String)

    public var message: String {
        switch self {
        case .unresolved(let host): return "\(host) could not be resolved"
        case .privateAddress(let host, let address):
            return "\(host) resolves to \(address), a loopback, private or link-local address: refused (the operator may allow it with --webhooks-allow-private)"
        }
    }
}
