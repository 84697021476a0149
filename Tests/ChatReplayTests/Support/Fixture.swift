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

/// A session in two rooms, `main` and `dev`, with a topic, a rename (recorded in both of bob's
/// rooms), a private message, a part and the leaves of a quit in each room; at fixed times.
enum RoomsFixture {
    static let session = Session(
        id: 1, startedMillis: millis("2026-11-24T09:00:00Z"), endedMillis: millis("2026-11-24T09:30:00Z"),
        state: .clean, host: "127.0.0.1", port: 7070, version: "test")

    static let events: [NewEvent] = [
        NewEvent(kind: .join, user: "alice", connection: 1, timeMillis: millis("2026-11-24T09:01:00Z")),
        NewEvent(kind: .join, user: "bob", connection: 2, timeMillis: millis("2026-11-24T09:01:10Z")),
        NewEvent(
            kind: .message, user: "alice", text: "morning", connection: 1, timeMillis: millis("2026-11-24T09:02:00Z")),
        NewEvent(kind: .join, room: "dev", user: "alice", connection: 1, timeMillis: millis("2026-11-24T09:03:00Z")),
        NewEvent(
            kind: .topic, room: "dev", user: "alice", text: "deploys at 5 <b>", connection: 1,
            timeMillis: millis("2026-11-24T09:03:30Z")),
        NewEvent(kind: .join, room: "dev", user: "bob", connection: 2, timeMillis: millis("2026-11-24T09:04:00Z")),
        NewEvent(
            kind: .message, room: "dev", user: "bob", text: "shipping #42", connection: 2,
            timeMillis: millis("2026-11-24T09:05:00Z")),
        NewEvent(
            kind: .message, room: Room.privateName, user: "alice", text: "lunch, =later?", connection: 1,
            recipient: "bob", timeMillis: millis("2026-11-24T09:06:00Z")),
        NewEvent(kind: .rename, user: "bob", text: "robert", connection: 2, timeMillis: millis("2026-11-24T09:07:00Z")),
        NewEvent(
            kind: .rename, room: "dev", user: "bob", text: "robert", connection: 2,
            timeMillis: millis("2026-11-24T09:07:00Z")),
        NewEvent(
            kind: .action, room: "dev", user: "robert", text: "deploys", connection: 2,
            timeMillis: millis("2026-11-24T09:08:00Z")),
        NewEvent(
            kind: .message, room: Room.privateName, user: "robert", text: "yes", connection: 2, recipient: "alice",
            timeMillis: millis("2026-11-24T09:09:00Z")),
        NewEvent(
            kind: .leave, room: "dev", user: "alice", connection: 1, reason: .part,
            timeMillis: millis("2026-11-24T09:10:00Z")),
        NewEvent(
            kind: .message, user: "alice", text: "back in main", connection: 1,
            timeMillis: millis("2026-11-24T09:11:00Z")),
        NewEvent(
            kind: .leave, user: "robert", connection: 2, reason: .quit, timeMillis: millis("2026-11-24T09:12:00Z")),
        NewEvent(
            kind: .leave, room: "dev", user: "robert", connection: 2, reason: .quit,
            timeMillis: millis("2026-11-24T09:12:00Z")),
        NewEvent(kind: .leave, user: "alice", connection: 1, reason: .quit, timeMillis: millis("2026-11-24T09:13:00Z")),
    ]
}
