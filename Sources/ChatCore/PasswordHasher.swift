import Crypto
import CryptoExtras
import Foundation

/// scrypt from swift-crypto's CryptoExtras (`KDF.Scrypt`), stored as a PHC-style string
/// `$scrypt$ln=15,r=8,p=1$<salt base64, no padding>$<hash base64, no padding>` so the cost can rise.
public struct PasswordHasher: Sendable, Equatable {
    /// log2 of scrypt's N (CPU and memory cost).
    public var logN: Int
    /// Block size.
    public var r: Int
    /// Parallelism.
    public var p: Int

    /// 2^15 × 8 × 128 bytes = 32 MiB and about 0.1 s per hash.
    public static let standard = PasswordHasher(logN: 15, r: 8, p: 1)
    /// For tests only: fast.
    public static let testing = PasswordHasher(logN: 8, r: 8, p: 1)

    static let saltBytes = 16
    static let keyBytes = 32
    /// The highest cost `verify` accepts from a stored string (2^20 × r 8 = 1 GiB): a damaged or
    /// hostile string must not make a login take minutes or all the memory.
    static let maxLogN = 20
    static let maxR = 32
    static let maxP = 16

    public init(logN: Int, r: Int, p: Int) {
        self.logN = logN
        self.r = r
        self.p = p
    }

    /// A new hash with a 16-byte random salt, 32-byte key. Blocks (about 0.1 s and 32 MiB at the standard cost): call it off the event loops.
    /// An empty password is refused (`PasswordError.empty`).
    public func hash(_ password: String) throws -> String {
        guard !password.isEmpty else { throw PasswordError.empty }
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<Self.saltBytes).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let key = try Self.derive(password, salt: salt, logN: logN, r: r, p: p, bytes: Self.keyBytes)
        return "$scrypt$ln=\(logN),r=\(r),p=\(p)$\(Self.base64(salt))$\(Self.base64(key))"
    }

    /// Whether `password` matches `stored` (the cost is read from `stored`), compared in constant time; false for a malformed string.
    public static func verify(_ password: String, against stored: String) -> Bool {
        guard !password.isEmpty, let parsed = Parsed(stored),
            let key = try? derive(
                password, salt: parsed.salt, logN: parsed.logN, r: parsed.r, p: parsed.p, bytes: parsed.key.count)
        else { return false }
        return constantTimeEqual(key, parsed.key)
    }

    /// Whether `stored` was made at a lower cost than this hasher's (to rehash at login).
    public func needsRehash(_ stored: String) -> Bool {
        guard let parsed = Parsed(stored) else { return true }
        return parsed.logN < logN || parsed.r < r || parsed.p < p
    }

    /// The parts of a stored string; nil when it is not one `hash` could have made.
    struct Parsed {
        var logN: Int
        var r: Int
        var p: Int
        var salt: [UInt8]
        var key: [UInt8]

        init?(_ stored: String) {
            let fields = stored.split(separator: "$", omittingEmptySubsequences: false)
            guard fields.count == 5, fields[0].isEmpty, fields[1] == "scrypt" else { return nil }
            var parameters: [Substring: Int] = [:]
            for pair in fields[2].split(separator: ",", omittingEmptySubsequences: false) {
                let parts = pair.split(separator: "=", omittingEmptySubsequences: false)
                guard parts.count == 2, parameters[parts[0]] == nil, let value = Int(parts[1]) else { return nil }
                parameters[parts[0]] = value
            }
            guard parameters.count == 3, let logN = parameters["ln"], let r = parameters["r"],
                let p = parameters["p"], (1...PasswordHasher.maxLogN).contains(logN),
                (1...PasswordHasher.maxR).contains(r), (1...PasswordHasher.maxP).contains(p),
                let salt = PasswordHasher.unbase64(fields[3]), !salt.isEmpty,
                let key = PasswordHasher.unbase64(fields[4]), (16...64).contains(key.count)
            else { return nil }
            self.logN = logN
            self.r = r
            self.p = p
            self.salt = salt
            self.key = key
        }
    }

    private static func derive(
        _ password: String, salt: [UInt8], logN: Int, r: Int, p: Int, bytes: Int
    ) throws -> [UInt8] {
        let key = try KDF.Scrypt.deriveKey(
            from: Array(password.utf8), salt: salt, outputByteCount: bytes, rounds: 1 << logN, blockSize: r,
            parallelism: p)
        return key.withUnsafeBytes { Array($0) }
    }

    /// Compares every byte whatever the first difference, so the time says nothing about where it is.
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    /// Standard base64 without the `=` padding (as PHC strings write it).
    static func base64(_ bytes: [UInt8]) -> String {
        var text = Data(bytes).base64EncodedString()
        while text.hasSuffix("=") { text.removeLast() }
        return text
    }

    /// The bytes of canonical unpadded base64: a text whose unused low bits are not zero (so that
    /// two texts would give the same bytes) is refused.
    static func unbase64(_ text: Substring) -> [UInt8]? {
        guard !text.contains("=") else { return nil }
        let padded = String(text) + String(repeating: "=", count: (4 - text.utf8.count % 4) % 4)
        guard let bytes = Data(base64Encoded: padded).map(Array.init), base64(bytes) == text else {
            return nil
        }
        return bytes
    }
}

/// Why a password cannot be hashed.
public enum PasswordError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The password is empty.
    case empty

    public var description: String { "the password is empty" }
}

/// Invite tokens: only their hash is stored.
public enum InviteToken {
    /// A new random token (128 bits, URL-safe text).
    public static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return PasswordHasher.base64(bytes).replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
    }

    /// SHA-256 hex of the token, as stored.
    public static func hash(_ token: String) -> String {
        SHA256.hash(data: Array(token.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
