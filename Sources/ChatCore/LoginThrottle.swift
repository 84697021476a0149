import ChatModel
import ChatStore

/// Backs off failed logins, per address and per account: the first `freeFailures` wrong passwords
/// cost nothing; each one after that doubles the wait before the next attempt is even checked
/// (1 s, 2 s, 4 s … at most `maxWait`). Failures are forgotten `forgetAfter` seconds after the
/// last one; a correct password (after the wait) clears the account's and the address's count.
public final class LoginThrottle: Sendable {
    public static let freeFailures = 3
    public static let maxWait = 300.0
    public static let forgetAfter = 900.0

    private struct Record {
        var failures: Int
        var last: Double
    }

    private struct State {
        var records: [String: Record] = [:]
        var totalFailures = 0
    }

    private let state = Locked(State())

    public init() {}

    /// Wrong passwords counted since the server started.
    public var totalFailures: Int { state.withLock { $0.totalFailures } }

    /// Seconds to wait before `account` may be tried from `address` again; 0: go ahead.
    public func wait(address: String, account: String, now: Double) -> Double {
        state.withLock { state in
            [Self.key(address: address), Self.key(account: account)].map { key in
                guard let record = state.records[key], now - record.last < Self.forgetAfter else { return 0 }
                return max(0, record.last + Self.delay(after: record.failures) - now)
            }.max() ?? 0
        }
    }

    /// A wrong password for `account` from `address`; how many in a row for the account.
    @discardableResult
    public func failed(address: String, account: String, now: Double) -> Int {
        state.withLock { state in
            state.totalFailures += 1
            var count = 0
            for key in [Self.key(address: address), Self.key(account: account)] {
                var record = state.records[key] ?? Record(failures: 0, last: now)
                if now - record.last >= Self.forgetAfter { record.failures = 0 }
                record.failures += 1
                record.last = now
                state.records[key] = record
                count = record.failures
            }
            // Old records go, so a scan of many addresses cannot grow this without bound.
            if state.records.count > 10_000 {
                state.records = state.records.filter { now - $0.value.last < Self.forgetAfter }
            }
            return count
        }
    }

    /// A correct password: the account and the address start afresh.
    public func succeeded(address: String, account: String) {
        state.withLock {
            $0.records[Self.key(address: address)] = nil
            $0.records[Self.key(account: account)] = nil
        }
    }

    /// The wait after `failures` wrong passwords in a row.
    public static func delay(after failures: Int) -> Double {
        guard failures >= freeFailures else { return 0 }
        return min(maxWait, Double(1 << min(failures - freeFailures, 20)))
    }

    private static func key(address: String) -> String { "@" + address }
    private static func key(account: String) -> String { "#" + account }
}
