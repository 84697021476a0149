import ChatModel

/// Writes JSON objects with their keys in a fixed order, so that the wire and every export
/// show the same bytes for the same message. Strings are escaped by `JSONString`.
public struct JSONObject {
    private var bytes: [UInt8] = [UInt8(ascii: "{")]
    private var empty = true

    public init() {}

    private mutating func key(_ name: String) {
        if !empty { bytes.append(UInt8(ascii: ",")) }
        empty = false
        JSONString.append(name, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    public mutating func add(_ name: String, _ value: String) {
        key(name)
        JSONString.append(value, to: &bytes)
    }

    public mutating func add(_ name: String, _ value: String?) {
        if let value { add(name, value) }
    }

    public mutating func add(_ name: String, _ value: Int64) {
        key(name)
        bytes.append(contentsOf: String(value).utf8)
    }

    public mutating func add(_ name: String, _ value: Int64?) {
        if let value { add(name, value) }
    }

    public mutating func add(_ name: String, _ value: Bool) {
        key(name)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    public mutating func add(_ name: String, strings: [String]) {
        key(name)
        bytes.append(UInt8(ascii: "["))
        for (offset, value) in strings.enumerated() {
            if offset > 0 { bytes.append(UInt8(ascii: ",")) }
            JSONString.append(value, to: &bytes)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// Adds a list of objects, each written by `body`.
    public mutating func add<Element>(_ name: String, objects: [Element], _ body: (inout JSONObject, Element) -> Void) {
        key(name)
        bytes.append(UInt8(ascii: "["))
        for (offset, element) in objects.enumerated() {
            if offset > 0 { bytes.append(UInt8(ascii: ",")) }
            var object = JSONObject()
            body(&object, element)
            bytes.append(contentsOf: object.string.utf8)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// Adds rooms to resume in (a hello).
    public mutating func add(_ name: String, resumes: [RoomResume]) {
        add(name, objects: resumes) { object, resume in
            object.add("room", resume.room)
            object.add("resume_after", resume.resumeAfter)
        }
    }

    /// Adds room summaries (the answer to `rooms`).
    public mutating func add(_ name: String, summaries: [RoomSummary]) {
        add(name, objects: summaries) { object, room in
            object.add("room", room.name)
            object.add("members", Int64(room.members))
            object.add("topic", room.topic)
        }
    }

    /// Adds an already-encoded JSON value.
    public mutating func add(_ name: String, raw: String) {
        key(name)
        bytes.append(contentsOf: raw.utf8)
    }

    /// The finished object.
    public var string: String { String(decoding: bytes + [UInt8(ascii: "}")], as: UTF8.self) }
}
