import ChatCore
import ChatProtocol
import NIOCore

/// A way in to the room: a codec between one wire language and the core's typed requests and
/// replies. The plain-text and JSON-lines doors share a port (the first line decides); an IRC or
/// WebSocket door is one more conformance, with its own `WireFormat` for the shared event encoding.
protocol Door: Sendable {
    /// The encoding of committed events this door's members get (encoded once per batch).
    var format: WireFormat { get }
    /// Whether its clients answer a ping (then idle members are pinged, and closed when silent).
    var pings: Bool { get }
    /// The member's own events it does not get live (an IRC client's); nil: it gets them all.
    var ownEvents: OwnEventFilter? { get }
    /// Whether a newcomer that says nothing until the name timeout gets the default name (a
    /// person at a keyboard), or is closed (a client that always registers).
    var namesSilentNewcomers: Bool { get }
    /// Whether `line`, a newcomer's line, is spoken in this door's language.
    func accepts(_ line: ByteBufferView) -> Bool
    /// What a line asks for of the core, at `stage` of the connection (none, one, or several: IRC's
    /// `JOIN #a,#b`), and what the door answers by itself (IRC's `PING`, `CAP`), appended to `answer`.
    mutating func read(_ line: InboundLine, stage: DecodeStage, answer: inout ByteBuffer) -> [DoorInput]
    /// Appends `reply`'s lines to `buffer` (nothing, for a reply this door does not say).
    mutating func encode(_ reply: Reply, into buffer: inout ByteBuffer)
    /// The connection is over: what the door shared of it is forgotten.
    mutating func closed()
    /// Whether `line` must wait until the member's earlier events are committed (its answer
    /// would otherwise come before their fan-out); only for a door that is not a `LineDoor`.
    func waitsForCommits(_ line: InboundLine) -> Bool
}

/// A door whose every line asks one thing of the core, and that answers nothing by itself.
protocol LineDoor: Door {
    /// What a line asks for, at `stage` of the connection.
    func decode(_ line: InboundLine, stage: DecodeStage) -> DoorInput
}

extension LineDoor {
    var ownEvents: OwnEventFilter? { nil }
    var namesSilentNewcomers: Bool { true }

    func closed() {}

    func waitsForCommits(_ line: InboundLine) -> Bool { false }

    func read(_ line: InboundLine, stage: DecodeStage, answer: inout ByteBuffer) -> [DoorInput] {
        [decode(line, stage: stage)]
    }
}

/// Where a connection is, for reading its next line.
enum DecodeStage: Sendable, Equatable {
    /// Not joined yet: the line names the newcomer.
    case naming
    /// A registered name was given: the line is its password.
    case password
    /// Joined.
    case live
}

/// The doors of one port, in the order they are asked; the last one takes every other line.
struct DoorSet: Sendable {
    let doors: [any Door]

    init(_ doors: [any Door]) {
        precondition(!doors.isEmpty, "a port needs a door")
        self.doors = doors
    }

    /// The door for a newcomer's `line`.
    func door(for line: InboundLine) -> any Door {
        guard case .line(let buffer) = line else { return fallback }
        let bytes = buffer.readableBytesView
        return doors.first { $0.accepts(bytes) } ?? fallback
    }

    /// The door of a newcomer that has said nothing yet.
    var fallback: any Door { doors[doors.count - 1] }
}

extension ByteBuffer {
    /// Appends `text` and a newline.
    mutating func writeLine(_ text: String) {
        writeString(text)
        writeInteger(UInt8(ascii: "\n"))
    }
}
