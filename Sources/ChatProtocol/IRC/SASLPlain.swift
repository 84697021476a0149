import Foundation

/// SASL PLAIN (RFC 4616) as IRC carries it in `AUTHENTICATE`: base64 of
/// `authzid NUL authcid NUL password`.
public struct SASLPlain: Sendable, Equatable {
    /// Who to act as (usually empty: the same as `account`).
    public var authorization: String
    /// Whose password it is.
    public var account: String
    public var password: String

    public init(authorization: String = "", account: String, password: String) {
        self.authorization = authorization
        self.account = account
        self.password = password
    }

    /// Decodes an `AUTHENTICATE` payload; nil when it is not base64 of three UTF-8 fields.
    public init?(base64 payload: String) {
        guard let data = Data(base64Encoded: payload) else { return nil }
        let fields = Array(data).split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false)
        guard fields.count == 3, let account = String(validating: fields[1], as: UTF8.self),
            let authorization = String(validating: fields[0], as: UTF8.self),
            let password = String(validating: fields[2], as: UTF8.self), !account.isEmpty, !password.isEmpty
        else { return nil }
        self.init(authorization: authorization, account: account, password: password)
    }

    /// The payload, base64.
    public var base64: String {
        Data(Array(authorization.utf8) + [0] + Array(account.utf8) + [0] + Array(password.utf8)).base64EncodedString()
    }
}
