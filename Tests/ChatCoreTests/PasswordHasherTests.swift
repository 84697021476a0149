import ChatCore
import Foundation
import Testing

@Suite("PasswordHasher and InviteToken")
struct PasswordHasherTests {
    let hasher = PasswordHasher.testing

    @Test func aHashVerifiesItsPasswordAndNoOther() throws {
        let stored = try hasher.hash("correct horse")
        #expect(PasswordHasher.verify("correct horse", against: stored))
        #expect(!PasswordHasher.verify("correct horsf", against: stored))
        #expect(!PasswordHasher.verify("Correct horse", against: stored))
        #expect(!PasswordHasher.verify("", against: stored))
        // A new salt each time: the same password never gives the same string.
        let again = try hasher.hash("correct horse")
        #expect(again != stored)
        #expect(PasswordHasher.verify("correct horse", against: again))
        // Not ASCII.
        let unicode = try hasher.hash("pässwörd ключ 🔑")
        #expect(PasswordHasher.verify("pässwörd ключ 🔑", against: unicode))
        #expect(!PasswordHasher.verify("passwörd ключ 🔑", against: unicode))
        #expect(throws: PasswordError.empty) { _ = try hasher.hash("") }
    }

    @Test func theStringIsPHCWithTheCostSaltAndHash() throws {
        let stored = try hasher.hash("correct horse")
        let fields = stored.split(separator: "$", omittingEmptySubsequences: false)
        #expect(fields.count == 5)
        #expect(fields[0] == "" && fields[1] == "scrypt" && fields[2] == "ln=8,r=8,p=1")
        let base64 = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        #expect(fields[3].count == 22 && fields[3].allSatisfy(base64.contains))  // 16 bytes, unpadded
        #expect(fields[4].count == 43 && fields[4].allSatisfy(base64.contains))  // 32 bytes, unpadded
        #expect(try PasswordHasher.standard.hash("x-x-x-x-x").hasPrefix("$scrypt$ln=15,r=8,p=1$"))
    }

    @Test func theCostIsReadFromTheString() throws {
        // Made at another cost than either preset: verify reads ln, r and p from the string.
        let odd = PasswordHasher(logN: 9, r: 4, p: 2)
        let stored = try odd.hash("correct horse")
        #expect(stored.hasPrefix("$scrypt$ln=9,r=4,p=2$"))
        #expect(PasswordHasher.verify("correct horse", against: stored))
        // The same salt and hash under another cost do not verify.
        let changed = stored.replacingOccurrences(of: "ln=9,r=4,p=2", with: "ln=9,r=4,p=1")
        #expect(!PasswordHasher.verify("correct horse", against: changed))
        // RFC 7914's test vector 2 ("password", "NaCl", N=1024, r=8, p=16), as a PHC string.
        let vector = Data(
            [
                0xfd, 0xba, 0xbe, 0x1c, 0x9d, 0x34, 0x72, 0x00, 0x78, 0x56, 0xe7, 0x19, 0x0d, 0x01, 0xe9, 0xfe,
                0x7c, 0x6a, 0xd7, 0xcb, 0xc8, 0x23, 0x78, 0x30, 0xe7, 0x73, 0x76, 0x63, 0x4b, 0x37, 0x31, 0x62,
                0x2e, 0xaf, 0x30, 0xd9, 0x2e, 0x22, 0xa3, 0x88, 0x6f, 0xf1, 0x09, 0x27, 0x9d, 0x98, 0x30, 0xda,
                0xc7, 0x27, 0xaf, 0xb9, 0x4a, 0x83, 0xee, 0x6d, 0x83, 0x60, 0xcb, 0xdf, 0xa2, 0xcc, 0x06, 0x40,
            ]
        ).base64EncodedString().replacingOccurrences(of: "=", with: "")
        let salt = Data("NaCl".utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
        let rfc = "$scrypt$ln=10,r=8,p=16$\(salt)$\(vector)"
        #expect(PasswordHasher.verify("password", against: rfc))
        #expect(!PasswordHasher.verify("passwore", against: rfc))
    }

    @Test func aMalformedStringNeverVerifies() throws {
        let good = try hasher.hash("correct horse")
        let parts = good.split(separator: "$", omittingEmptySubsequences: false).map(String.init)
        let malformed = [
            "", "correct horse", "$scrypt$", "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
            "$scrypt$ln=8,r=8$\(parts[3])$\(parts[4])",  // a parameter missing
            "$scrypt$ln=8,r=8,p=1,x=2$\(parts[3])$\(parts[4])",  // one too many
            "$scrypt$ln=8,r=8,r=8$\(parts[3])$\(parts[4])",  // twice
            "$scrypt$ln=eight,r=8,p=1$\(parts[3])$\(parts[4])",
            "$scrypt$ln=0,r=8,p=1$\(parts[3])$\(parts[4])",
            "$scrypt$ln=40,r=8,p=1$\(parts[3])$\(parts[4])",  // a cost nobody may ask for
            "$scrypt$ln=8,r=8,p=1$$\(parts[4])",  // no salt
            "$scrypt$ln=8,r=8,p=1$\(parts[3])$",  // no hash
            "$scrypt$ln=8,r=8,p=1$\(parts[3])$\(parts[4].prefix(10))",  // a hash too short
            "$scrypt$ln=8,r=8,p=1$\(parts[3])$\(parts[4])==",  // padded
            "$scrypt$ln=8,r=8,p=1$\(parts[3])$\(parts[4])$",
            "$scrypt$ln=8,r=8,p=1$!!!$\(parts[4])",
            "$scrypt$ln=8,r=8,p=1$\(parts[3])$\(flipped(parts[4], at: 0))",  // another hash
            // The same bytes spelt another way: the last character's unused bits set.
            "$scrypt$ln=8,r=8,p=1$\(parts[3])$\(withUnusedBitsSet(parts[4]))",
        ]
        for stored in malformed {
            #expect(!PasswordHasher.verify("correct horse", against: String(stored)), "\(stored)")
        }
    }

    @Test func aHashOfALowerCostNeedsARehash() throws {
        let weak = try PasswordHasher.testing.hash("correct horse")
        #expect(PasswordHasher.standard.needsRehash(weak))
        #expect(!PasswordHasher.testing.needsRehash(weak))
        #expect(PasswordHasher(logN: 8, r: 8, p: 2).needsRehash(weak))
        #expect(PasswordHasher(logN: 8, r: 16, p: 1).needsRehash(weak))
        // A higher cost than the hasher's is kept.
        #expect(!PasswordHasher(logN: 7, r: 8, p: 1).needsRehash(weak))
        #expect(PasswordHasher.standard.needsRehash("not a hash"))
    }

    @Test func inviteTokensAreRandomURLSafeAndStoredAsTheirSHA256() {
        let tokens = (0..<100).map { _ in InviteToken.make() }
        #expect(Set(tokens).count == 100)
        let urlSafe = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        for token in tokens {
            #expect(token.count == 22 && token.allSatisfy(urlSafe.contains), "\(token)")  // 128 bits
        }
        #expect(InviteToken.hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(InviteToken.hash(tokens[0]).count == 64 && InviteToken.hash(tokens[0]) != tokens[0])
    }
}

private let base64Alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")

/// `text` with the character at `offset` replaced by another base64 character.
private func flipped(_ text: String, at offset: Int) -> String {
    var characters = Array(text)
    let index = base64Alphabet.firstIndex(of: characters[offset])!
    characters[offset] = base64Alphabet[index ^ 1]
    return String(characters)
}

/// The unpadded base64 of a 32-byte key with the last character's two unused bits set: the same
/// bytes to a lenient decoder.
private func withUnusedBitsSet(_ text: String) -> String {
    var characters = Array(text)
    let index = base64Alphabet.firstIndex(of: characters[characters.count - 1])!
    characters[characters.count - 1] = base64Alphabet[index | 0b11]
    return String(characters)
}
