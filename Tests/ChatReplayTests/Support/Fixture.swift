import ChatModel
import ChatStore

/// A session full of awkward text, at fixed times (so golden files are deterministic), crossing
/// midnight UTC.
enum Fixture {
    /// The session the events belong to, as the golden files show it (a recorded session starts at
    /// the real time of recording).
    static let session = Session(
        id: 1, startedMillis: millis("2026-11-22T10:00:00Z"), endedMillis: millis("2026-11-23T00:00:05Z"),
        state: .clean, host: "127.0.0.1", port: 7070, version: "test")

    static let events: [NewEvent] = [
        NewEvent(kind: .join, user: "alice", connection: 1, timeMillis: millis("2026-11-22T10:01:02Z")),
        NewEvent(
            kind: .message, user: "alice", text: "hi", connection: 1, timeMillis: millis("2026-11-22T10:01:03.250Z")),
        NewEvent(kind: .join, user: "bob", connection: 2, timeMillis: millis("2026-11-22T10:01:05Z")),
        NewEvent(
            kind: .message, user: "bob", text: "He said \"hi\", then left", connection: 2,
            timeMillis: millis("2026-11-22T10:01:06Z")),
        NewEvent(
            kind: .message, user: "alice", text: "a, b, c", connection: 1, timeMillis: millis("2026-11-22T10:01:07Z")),
        NewEvent(
            kind: .message, user: "bob", text: "line one\nline two\r\nthree", connection: 2,
            timeMillis: millis("2026-11-22T10:01:08Z")),
        NewEvent(
            kind: .message, user: "alice", text: "<script>alert('x')</script> & <b>bold</b>", connection: 1,
            timeMillis: millis("2026-11-22T10:01:09Z")),
        NewEvent(
            kind: .message, user: "bob", text: "=SUM(A1)", connection: 2, timeMillis: millis("2026-11-22T10:01:10Z")),
        NewEvent(
            kind: .message, user: "=cmd", text: "+1, -1, @me, 'quoted", connection: 3,
            timeMillis: millis("2026-11-22T10:01:11Z")),
        NewEvent(
            kind: .message, user: "alice", text: "emoji 😀👍🏽 and 👩‍👩‍👧", connection: 1,
            timeMillis: millis("2026-11-22T10:01:12Z")),
        NewEvent(
            kind: .message, user: "سارا", text: "مرحبا بالعالم — שלום", connection: 4,
            timeMillis: millis("2026-11-22T10:01:13Z")),
        NewEvent(
            kind: .message, user: "bob", text: "*not bold* _not it_ [no](link) `code` \\ # | ~", connection: 2,
            timeMillis: millis("2026-11-22T10:01:14Z")),
        NewEvent(
            kind: .action, user: "alice", text: "waves", connection: 1, timeMillis: millis("2026-11-22T23:59:59Z")),
        NewEvent(
            kind: .leave, user: "bob", connection: 2, reason: .connectionLost,
            timeMillis: millis("2026-11-23T00:00:01Z")),
        NewEvent(kind: .leave, user: "alice", connection: 1, reason: .quit, timeMillis: millis("2026-11-23T00:00:02Z")),
    ]
}
