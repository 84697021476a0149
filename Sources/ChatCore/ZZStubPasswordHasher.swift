// TEMPORARY STUB (replaced by the accounts-store branch at merge).
public struct PasswordHasher: Sendable {
    public var logN: Int
    public var r: Int
    public var p: Int
    public static let standard = PasswordHasher(logN: 15, r: 8, p: 1)
    public static let testing = PasswordHasher(logN: 8, r: 8, p: 1)
    public init(logN: Int, r: Int, p: Int) {
        self.logN = logN
        self.r = r
        self.p = p
    }
    public func hash(_ password: String) throws -> String { "$stub$" + String(password.reversed()) }
    public static func verify(_ password: String, against stored: String) -> Bool {
        stored == "$stub$" + String(password.reversed())
    }
    public func needsRehash(_ stored: String) -> Bool { false }
}
public enum InviteToken {
    public static func make() -> String { "tok" + String(UInt64.random(in: 0...UInt64.max)) }
    public static func hash(_ token: String) -> String { "h" + token }
}
