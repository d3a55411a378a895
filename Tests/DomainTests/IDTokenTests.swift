import Domain
import Foundation
import XCTest

/// ID tokens checked as `SingleSignOn` checks them, with keys this test makes with the openssl
/// command: RS256 and ES256 signatures that verify against the JWKS entry, and the refusals: a
/// forged or changed token, `none`/HS256, another issuer, another audience, an expired token (past
/// the two minutes' skew), one dated ahead, another sign-in's nonce, an unverified email.
final class IDTokenTests: XCTestCase {
    static let folder = FileManager.default.temporaryDirectory.appendingPathComponent("idtoken-tests-\(getpid())")
    static let rsa = TestKey(.rsa, name: "rsa"), ec = TestKey(.ec, name: "ec"), otherRSA = TestKey(.rsa, name: "other-rsa")

    let issuer = "https://idp.example.com", client = "connections-console", nonce = "n-0S6_WzA2Mj"

    func claims(_ changes: [String: JSON] = [:], now: Date = Date()) -> JSON {
        var members: [String: JSON] = [
            "iss": .string(issuer), "aud": .string(client), "sub": .string("248289761001"), "nonce": .string(nonce),
            "iat": .int(Int(now.timeIntervalSince1970) - 5), "exp": .int(Int(now.timeIntervalSince1970) + 300),
            "email": .string("ada@demo.test"), "email_verified": .bool(true), "groups": .array([.string("console-admins")]),
        ]
        for (key, value) in changes { members[key] = value == .null ? nil : value }
        return JSON.sorted(members)
    }

    func verify(_ token: String, keys: [JSONWebKey]? = nil) throws(IDToken.Rejection) -> IDToken {
        try IDToken(verifying: token, keys: keys ?? [Self.rsa.jwk, Self.ec.jwk], issuer: issuer, clientID: client, nonce: nonce)
    }

    func refusal(_ token: String, keys: [JSONWebKey]? = nil) -> IDToken.Rejection? {
        do { _ = try verify(token, keys: keys); return nil } catch { return error }
    }

    func testRS256AndES256TokensSignedByTheIssuersKeysAreAccepted() throws {
        let rs = try verify(Self.rsa.sign(claims()))
        XCTAssertEqual(rs.verifiedEmail, "ada@demo.test")
        XCTAssertEqual(rs.texts(of: "groups"), ["console-admins"])
        XCTAssertEqual(try verify(Self.ec.sign(claims())).verifiedEmail, "ada@demo.test")
        // aud as an array naming only this client, and a NumericDate with a fraction.
        XCTAssertNoThrow(try verify(Self.rsa.sign(claims(["aud": .array([.string(client)]), "exp": .number("\(Date().timeIntervalSince1970 + 60.5)")]))))
    }

    func testAForgedTokenIsRefused() {
        // Signed by a key the issuer does not publish, under the issuer's key id.
        XCTAssertEqual(refusal(Self.otherRSA.sign(claims(), keyID: Self.rsa.name)), .badSignature)
        // A payload changed after signing.
        let parts = Self.rsa.sign(claims()).split(separator: ".")
        let changed = claims(["email": .string("mallory@demo.test")])
        XCTAssertEqual(refusal("\(parts[0]).\(Base64URL.encode(changed.bytes)).\(parts[2])"), .badSignature)
        // An ES256 signature presented as RS256's key, and a key id the issuer does not publish.
        XCTAssertEqual(refusal(Self.ec.sign(claims()), keys: [Self.rsa.jwk]), .noMatchingKey)
        XCTAssertEqual(refusal(Self.rsa.sign(claims(), keyID: "unknown")), .noMatchingKey)
        // Unsigned, or signed with a shared secret anyone with the client secret could make.
        for algorithm in ["none", "HS256"] {
            let header = Base64URL.encode(JSON.sorted(["alg": .string(algorithm), "typ": .string("JWT")]).bytes)
            XCTAssertEqual(refusal("\(header).\(Base64URL.encode(claims().bytes)).c2ln"), .unsupportedAlgorithm(algorithm))
        }
        XCTAssertEqual(refusal("not.a-token"), .malformed)
    }

    func testAnotherIssuerOrAudienceIsRefused() {
        XCTAssertEqual(refusal(Self.rsa.sign(claims(["iss": .string("https://evil.example.com")]))), .wrongIssuer)
        XCTAssertEqual(refusal(Self.rsa.sign(claims(["aud": .string("another-app")]))), .wrongAudience)
        XCTAssertEqual(refusal(Self.ec.sign(claims(["aud": .array([.string("another-app"), .string(client)])]))), .wrongAudience,
                       "several audiences need azp naming this client")
        XCTAssertNoThrow(try verify(Self.ec.sign(claims(["aud": .array([.string("another-app"), .string(client)]), "azp": .string(client)]))))
    }

    func testAnExpiredTokenIsRefusedBeyondTheClockSkewOnly() {
        let now = Date()
        let seconds = Int(now.timeIntervalSince1970)
        XCTAssertEqual(refusal(Self.rsa.sign(claims(["exp": .int(seconds - 121), "iat": .int(seconds - 400)]))), .expired)
        XCTAssertNoThrow(try verify(Self.rsa.sign(claims(["exp": .int(seconds - 60), "iat": .int(seconds - 400)]))), "within two minutes' skew")
        XCTAssertEqual(refusal(Self.rsa.sign(claims(["exp": .null]))), .expired)
        XCTAssertEqual(refusal(Self.rsa.sign(claims(["iat": .int(seconds + 300)]))), .issuedInTheFuture)
        XCTAssertNoThrow(try verify(Self.rsa.sign(claims(["iat": .int(seconds + 60)]))))
        XCTAssertEqual(refusal(Self.rsa.sign(claims(["iat": .int(seconds - 3_600), "exp": .int(seconds + 3_600)]))), .tooOld)
    }

    func testAnotherSignInsNonceOrAnUnverifiedEmailIsRefused() throws {
        XCTAssertEqual(refusal(Self.rsa.sign(claims(["nonce": .string("replayed-nonce")]))), .wrongNonce)
        XCTAssertEqual(refusal(Self.rsa.sign(claims(["nonce": .null]))), .wrongNonce)
        XCTAssertNil(try verify(Self.rsa.sign(claims(["email_verified": .bool(false)]))).verifiedEmail)
        XCTAssertNil(try verify(Self.rsa.sign(claims(["email_verified": .null]))).verifiedEmail)
        XCTAssertEqual(try verify(Self.rsa.sign(claims(["email_verified": .string("true")]))).verifiedEmail, "ada@demo.test")
        XCTAssertEqual(try verify(Self.rsa.sign(claims(["email_verified": .null, "xms_edov": .bool(true)]))).verifiedEmail, "ada@demo.test",
                       "Microsoft Entra's verified domain owner")
    }
}

/// A key pair made by the openssl command, its public half as a JWKS entry, and tokens it signs.
struct TestKey {
    enum Kind { case rsa, ec }
    let kind: Kind
    let name: String
    let path: String
    let jwk: JSONWebKey

    init(_ kind: Kind, name: String) {
        self.kind = kind
        self.name = name
        try? FileManager.default.createDirectory(at: IDTokenTests.folder, withIntermediateDirectories: true)
        path = IDTokenTests.folder.appendingPathComponent("\(name).pem").path
        switch kind {
        case .rsa:
            _ = Self.openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", path])
            let modulus = String(decoding: Self.openssl(["rsa", "-in", path, "-noout", "-modulus"]), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "Modulus=", with: "")
            jwk = JSONWebKey(JSON.sorted(["kty": .string("RSA"), "kid": .string(name), "e": .string("AQAB"),
                                          "n": .string(Base64URL.encode(Self.bytes(hex: modulus)))]))!
        case .ec:
            _ = Self.openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path])
            let point = Self.openssl(["pkey", "-in", path, "-pubout", "-outform", "DER"]).suffix(64)
            jwk = JSONWebKey(JSON.sorted(["kty": .string("EC"), "kid": .string(name), "crv": .string("P-256"), "use": .string("sig"),
                                          "x": .string(Base64URL.encode(point.prefix(32))), "y": .string(Base64URL.encode(point.suffix(32)))]))!
        }
    }

    func sign(_ claims: JSON, keyID: String? = nil) -> String {
        let header = JSON.sorted(["alg": .string(kind == .rsa ? "RS256" : "ES256"), "kid": .string(keyID ?? name), "typ": .string("JWT")])
        let input = Base64URL.encode(header.bytes) + "." + Base64URL.encode(claims.bytes)
        let file = path + ".input"
        FileManager.default.createFile(atPath: file, contents: Data(input.utf8))
        var signature = Self.openssl(["dgst", "-sha256", "-sign", path, file])
        if kind == .ec { signature = Self.raw(der: signature) }
        return input + "." + Base64URL.encode(signature)
    }

    /// ECDSA's DER SEQUENCE { INTEGER r, INTEGER s } as JOSE's r‖s, 32 bytes each.
    static func raw(der: [UInt8]) -> [UInt8] {
        var index = der[1] & 0x80 != 0 ? 2 + Int(der[1] & 0x7F) : 2
        var out: [UInt8] = []
        for _ in 0..<2 {
            let length = Int(der[index + 1])
            let value = der[(index + 2)..<(index + 2 + length)].drop { $0 == 0 }
            out += [UInt8](repeating: 0, count: 32 - value.count) + value
            index += 2 + length
        }
        return out
    }

    static func bytes(hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0..<($0 + 2)], as: UTF8.self), radix: 16)! }
    }

    @discardableResult
    static func openssl(_ arguments: [String]) -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        try! process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        precondition(process.terminationStatus == 0, "openssl \(arguments.joined(separator: " ")) failed")
        return Array(data)
    }
}
