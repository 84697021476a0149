import ChatModel
import ChatProtocol
import ChatStore
import Foundation

/// `2026-11-22T10:01:02Z` as milliseconds.
func millis(_ iso: String) -> Int64 {
    Timestamp.parse(iso)!
}

/// Records `events` as one session of a new database at `path`, with their own times; returns
/// them as stored.
@discardableResult
func record(_ events: [NewEvent], at path: String) async throws -> [Event] {
    let store = try EventStore(path: path)
    let writer = try store.startSession(host: "127.0.0.1", port: 7070, version: "test") { _ in }
    var stored: [Event] = []
    for event in events { stored.append(try await writer.append(event)) }
    try store.close()
    return stored
}
