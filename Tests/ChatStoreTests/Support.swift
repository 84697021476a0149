import CSQLite
import ChatModel
import Foundation
import Testing

@testable import ChatStore

/// A fresh directory for one test, removed when the test drops it.
final class TemporaryDirectory: Sendable {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.path + "/chatstore-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// A path inside the directory.
    func file(_ name: String) -> String { path + "/" + name }

    /// The usual database path of a test.
    var database: String { file("chat.sqlite") }
}

/// A plain SQLite connection, independent of ChatStore, to look at what the store wrote.
final class RawDatabase {
    let handle: OpaquePointer

    init(_ path: String, flags: Int32 = SQLITE_OPEN_READWRITE) throws {
        var db: OpaquePointer?
        let code = sqlite3_open_v2(path, &db, flags, nil)
        guard code == SQLITE_OK, let db else {
            sqlite3_close_v2(db)
            throw RawError(message: "open \(path): \(code)")
        }
        handle = db
        sqlite3_busy_timeout(db, 5000)
    }

    deinit { sqlite3_close_v2(handle) }

    func execute(_ sql: String) throws {
        let code = sqlite3_exec(handle, sql, nil, nil, nil)
        guard code == SQLITE_OK else { throw RawError(message: "\(sql): \(String(cString: sqlite3_errmsg(handle)))") }
    }

    /// Every row of a query, each column as text (NULL as nil).
    func rows(_ sql: String) throws -> [[String?]] {
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &stmt, nil) == SQLITE_OK, let stmt else {
            throw RawError(message: "\(sql): \(String(cString: sqlite3_errmsg(handle)))")
        }
        defer { sqlite3_finalize(stmt) }
        var result: [[String?]] = []
        while true {
            let code = sqlite3_step(stmt)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else {
                throw RawError(message: "\(sql): \(String(cString: sqlite3_errmsg(handle)))")
            }
            result.append(
                (0..<sqlite3_column_count(stmt)).map { column in
                    sqlite3_column_text(stmt, column).map { String(cString: $0) }
                })
        }
        return result
    }

    /// The first column of the first row.
    func value(_ sql: String) throws -> String? { try rows(sql).first?.first ?? nil }
}

struct RawError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Stops a test that waited too long instead of hanging the run.
let waitLimit: TimeInterval = 20

/// Holds the writer thread inside `onCommit` until the test opens it, so that what the test
/// submits meanwhile is queued and taken as one batch.
final class Gate: @unchecked Sendable {
    private let condition = NSCondition()
    private var closed = false
    private var arrivals = 0

    func close() {
        condition.lock()
        closed = true
        condition.unlock()
    }

    func open() {
        condition.lock()
        closed = false
        condition.broadcast()
        condition.unlock()
    }

    /// Called on the writer thread: counts the arrival, then waits (bounded) while closed.
    func pass() {
        condition.lock()
        arrivals += 1
        condition.broadcast()
        let deadline = Date(timeIntervalSinceNow: waitLimit)
        while closed && condition.wait(until: deadline) {}
        condition.unlock()
    }

    /// Waits until `count` batches reached the gate; false on time-out.
    func waitForArrivals(_ count: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: waitLimit)
        while arrivals < count { if !condition.wait(until: deadline) { return arrivals >= count } }
        return true
    }
}

/// Collects the outcomes of `submit` completions and lets a test wait for them (bounded).
final class Outcomes: @unchecked Sendable {
    private let condition = NSCondition()
    private var results: [Result<Event, StoreError>] = []

    var completion: EventWriter.Completion {
        { result in
            self.condition.lock()
            self.results.append(result)
            self.condition.broadcast()
            self.condition.unlock()
        }
    }

    /// The first `count` outcomes, in completion order; nil on time-out.
    func wait(for count: Int) -> [Result<Event, StoreError>]? {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: waitLimit)
        while results.count < count { if !condition.wait(until: deadline) { break } }
        return results.count >= count ? Array(results.prefix(count)) : nil
    }
}

/// Records the batches `onCommit` receives.
final class Batches: @unchecked Sendable {
    private let lock = NSLock()
    private var batches: [[Event]] = []
    let gate = Gate()

    func record(_ batch: [Event]) {
        lock.lock()
        batches.append(batch)
        lock.unlock()
        gate.pass()
    }

    var all: [[Event]] {
        lock.lock()
        defer { lock.unlock() }
        return batches
    }
}

/// A store with a running session, and what its writer committed.
func openSession(
    _ path: String, maxPageCount: Int? = nil, batches: Batches = Batches()
) throws -> (EventStore, EventWriter) {
    let store = try EventStore(path: path, maxPageCount: maxPageCount)
    let writer = try store.startSession(host: "127.0.0.1", port: 7000, version: "test") { batches.record($0) }
    return (store, writer)
}

/// Asserts that `body` throws a `StoreError` and returns it.
func storeError(
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) -> StoreError? {
    do {
        try body()
        Issue.record("expected a StoreError, nothing was thrown", sourceLocation: sourceLocation)
        return nil
    } catch let error as StoreError {
        return error
    } catch {
        Issue.record("expected a StoreError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

extension NewEvent {
    static func message(_ user: String, _ text: String, room: String = Room.defaultName, at time: Int64? = nil)
        -> NewEvent
    {
        NewEvent(kind: .message, room: room, user: user, text: text, timeMillis: time)
    }
}
