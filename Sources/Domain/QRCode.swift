import CQRencode

/// A QR code from libqrencode (error correction M, so a smudged print still reads), drawn as
/// SVG for the page and as a PNG for print, each with the standard quiet zone of four modules.
public struct QRCode: Sendable {
    /// Dark modules, row by row.
    public let modules: [[Bool]]
    public static let quietZone = 4

    public init(encoding text: String) throws {
        guard let code = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1) else { throw QRCodeError(text: text) }
        defer { QRcode_free(code) }
        let width = Int(code.pointee.width)
        let data = UnsafeBufferPointer(start: code.pointee.data, count: width * width)
        modules = (0..<width).map { row in (0..<width).map { data[row * width + $0] & 1 == 1 } }
    }

    public var width: Int { modules.count }

    /// One path of horizontal runs: small, crisp at any size.
    public func svg() -> String {
        let size = width + 2 * Self.quietZone
        var path = ""
        for (y, row) in modules.enumerated() {
            var x = 0
            while x < row.count {
                guard row[x] else { x += 1; continue }
                let start = x
                while x < row.count && row[x] { x += 1 }
                path += "M\(start + Self.quietZone) \(y + Self.quietZone)h\(x - start)v1h-\(x - start)z"
            }
        }
        return """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(size) \(size)" shape-rendering="crispEdges">\
            <rect width="\(size)" height="\(size)" fill="#fff"/><path fill="#000" d="\(path)"/></svg>
            """
    }

    /// A black-and-white PNG at least `minimumPixels` wide, whole pixels per module.
    public func png(minimumPixels: Int = 1000) -> [UInt8] {
        let size = width + 2 * Self.quietZone
        let scale = (minimumPixels + size - 1) / size
        return PNG.grayscaleBits(width: size * scale, height: size * scale) { x, y in
            let row = y / scale - Self.quietZone, column = x / scale - Self.quietZone
            return !(modules.indices.contains(row) && modules.indices.contains(column) && modules[row][column])
        }
    }
}

/// libqrencode refused the text (longer than a QR code holds, or out of memory).
public struct QRCodeError: Error, Sendable {
    public let text: String
}

/// The smallest PNG writer that suffices: 1-bit grayscale, zlib "stored" blocks (no compression
/// library needed; a 1,000-pixel code is about 125 KB).
enum PNG {
    static func grayscaleBits(width: Int, height: Int, isWhite: (Int, Int) -> Bool) -> [UInt8] {
        let rowBytes = (width + 7) / 8
        var raw: [UInt8] = []
        raw.reserveCapacity((rowBytes + 1) * height)
        for y in 0..<height {
            raw.append(0)  // filter: none
            for byteIndex in 0..<rowBytes {
                var byte: UInt8 = 0
                for bit in 0..<8 where byteIndex * 8 + bit < width && isWhite(byteIndex * 8 + bit, y) {
                    byte |= 0x80 >> UInt8(bit)
                }
                raw.append(byte)
            }
        }
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        chunk("IHDR", bigEndian(UInt32(width)) + bigEndian(UInt32(height)) + [1, 0, 0, 0, 0], into: &png)
        chunk("IDAT", zlibStored(raw), into: &png)
        chunk("IEND", [], into: &png)
        return png
    }

    static func chunk(_ type: String, _ data: [UInt8], into png: inout [UInt8]) {
        let typed = Array(type.utf8) + data
        png += bigEndian(UInt32(data.count)) + typed + bigEndian(crc32(typed))
    }

    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let length = min(65_535, data.count - offset)
            let last: UInt8 = offset + length == data.count ? 1 : 0
            out += [last, UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8((~length >> 8) & 0xFF)]
            out += data[offset..<offset + length]
            offset += length
        } while offset < data.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        return out + bigEndian(b << 16 | a)
    }

    static let crcTable: [UInt32] = (0..<256).map { n in
        (0..<8).reduce(UInt32(n)) { c, _ in c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        ~bytes.reduce(~UInt32(0)) { crc, byte in crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }
}
