import ChatClient
import ChatModel
import ChatProtocol
import ChatServer
import ChatStore
import ChatTestSupport
import Foundation
import Testing

/// The protocol side of the client: every event shown exactly once, in order, across drops and restarts.
@Suite("resume across lost connections", .timeLimit(.minutes(2)))
struct ResumeTests {
    /// The shown events are exactly the recorded ones between the first and the last shown, in order.
    func expectExactlyOnce(_ shown: [Event], database: String, sourceLocation: SourceLocation = #_sourceLocation)
        throws
    {
        let ids = shown.map(\.id)
        #expect(
            ids == ids.sorted() && Set(ids).count == ids.count, "out of order or twice: \(ids)",
            sourceLocation: sourceLocation)
        guard let first = ids.first, let last = ids.last else {
            Issue.record("nothing shown", sourceLocation: sourceLocation)
            return
        }
        let recorded = try recordedEvents(database).map(\.id).filter { (first...last).contains($0) }
        #expect(ids == recorded, "missing: \(Set(recorded).subtracting(ids).sorted())", sourceLocation: sourceLocation)
    }

    @Test("a dropped connection while others keep talking: every message shown once, in order")
    func dropWhileOthersTalk() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        try await withRunningServer(database: db) { server in
            let alice = SessionHarness(port: server.port, name: "alice")
            try await alice.waitFor("alice's join") {
                if case .event(let event, nil) = $0 { return event.kind == .join && event.user == "alice" }
                return false
            }
            let texts = (0..<400).map { "m\($0)" }
            let talker = Task { try await talk(port: server.port, as: "bob", texts) }
            try await alice.waitForMessage("m40")
            alice.session.dropConnection()
            try await alice.waitFor("the first resumed join") {
                if case .joined(_, _, resumed: true) = $0 { return true }
                return false
            }
            try await alice.waitForMessage("m200")
            alice.session.dropConnection()
            try await alice.waitFor("the second resumed join") { _ in
                alice.outputs.filter {
                    if case .joined(_, _, resumed: true) = $0 { return true }
                    return false
                }.count == 2
            }
            try await talker.value
            try await alice.waitForMessage("m399")
            #expect(try await alice.quit() == .quit)
            #expect(alice.shownTexts.filter { $0.hasPrefix("m") } == texts)
            let resumes = alice.outputs.filter {
                if case .joined(_, _, resumed: true) = $0 { return true }
                return false
            }
            #expect(resumes.count == 2)
            try expectExactlyOnce(alice.shownEvents, database: db)
        }
    }

    @Test("a server restart: the client says so, reconnects and shows what it missed, once")
    func serverRestart() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        let first = try await RunningServer(database: db)
        let port = first.port
        let gate = Gate()
        let alice = SessionHarness(port: port, name: "alice") { $0.beforeReconnect = { await gate.wait() } }
        try await alice.waitFor("alice's join") {
            if case .event(let event, nil) = $0 { return event.kind == .join && event.user == "alice" }
            return false
        }
        let before = (0..<50).map { "before \($0)" }
        try await talk(port: port, as: "bob", before)
        try await alice.waitForMessage("before 49")
        try await first.stop()
        try await alice.waitFor("the shutdown notice") {
            if case .shutdown = $0 { return true }
            return false
        }
        // The room goes on without alice for a while: she must catch up on all of it.
        let second = try await RunningServer(database: db, port: port)
        let during = (0..<30).map { "during \($0)" }
        try await talk(port: port, as: "carol", during)
        gate.open()
        let after = (0..<30).map { "after \($0)" }
        try await alice.waitFor("the resumed join") {
            if case .joined(_, _, resumed: true) = $0 { return true }
            return false
        }
        try await talk(port: port, as: "carol", after)
        try await alice.waitForMessage("after 29")
        #expect(try await alice.quit() == .quit)
        try await second.stop()
        #expect(alice.shownTexts == before + during + after)
        #expect(
            alice.outputs.contains {
                if case .historyBegin(.catchUp, _) = $0 { return true }
                return false
            })
        // Her own leave from the first run, recorded as she was cut off, is among what she catches up on.
        #expect(alice.shownEvents.contains { $0.kind == .leave && $0.user == "alice" && $0.reason == .serverShutdown })
        try expectExactlyOnce(alice.shownEvents, database: db)
    }

    @Test("more missed than the server keeps for a resume: a gap notice, then the rest exactly once")
    func historyGap() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        let keepFive: (inout ServerConfiguration) -> Void = { $0.maxResume = 5 }
        try await withRunningServer(database: db, keepFive) { server in
            let gate = Gate()
            let alice = SessionHarness(port: server.port, name: "alice") { $0.beforeReconnect = { await gate.wait() } }
            try await talk(port: server.port, as: "bob", ["hello"])
            try await alice.waitForMessage("hello")
            alice.session.dropConnection()
            try await alice.waitFor("a reconnection pending") {
                if case .reconnecting = $0 { return true }
                return false
            }
            // Read only now: bob's leave may have arrived after his message.
            let lastBefore = try #require(alice.session.lastShownID)
            let missed = (0..<20).map { "missed \($0)" }
            try await talk(port: server.port, as: "bob", missed)
            gate.open()
            try await alice.waitFor("the gap") {
                if case .gap = $0 { return true }
                return false
            }
            try await alice.waitForMessage("missed 19")
            #expect(try await alice.quit() == .quit)
            let gap = try #require(
                alice.outputs.compactMap { output -> (Int64, Int64)? in
                    if case .gap(let after, let resumedAfter, _) = output { return (after, resumedAfter) }
                    return nil
                }.first)
            #expect(gap.0 == lastBefore)
            #expect(gap.1 > lastBefore)
            // After the gap: exactly the events from resumedAfter + 1 on, once each.
            let afterGap = alice.shownEvents.map(\.id).filter { $0 > lastBefore }
            let recorded = try recordedEvents(db).map(\.id).filter { $0 > gap.1 && $0 <= afterGap.last! }
            #expect(afterGap == recorded)
            let caughtUp = alice.outputs.filter {
                if case .event(_, .catchUp) = $0 { return true }
                return false
            }
            #expect(caughtUp.count == 5)
            let text = OutputFormatter(styled: false, color: false).lines(.gap(after: gap.0, resumedAfter: gap.1))
            #expect(text.first?.contains("no longer in the server's history") == true)
        }
    }

    @Test("a server with a different record: the client says its history does not reach back, then goes on")
    func differentDatabase() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let first = try await RunningServer(database: dir.file("one.sqlite"))
        let port = first.port
        let alice = SessionHarness(port: port, name: "alice")
        try await talk(port: port, as: "bob", (0..<20).map { "old \($0)" })
        try await alice.waitForMessage("old 19")
        try await first.stop()
        let second = try await RunningServer(database: dir.file("two.sqlite"), port: port)
        try await alice.waitFor("the gap") {
            if case .gap(_, resumedAfter: 0, _) = $0 { return true }
            return false
        }
        try await talk(port: port, as: "carol", ["new room"])
        try await alice.waitForMessage("new room")
        #expect(try await alice.quit() == .quit)
        try await second.stop()
    }

    @Test("--no-reconnect: a lost connection ends the session")
    func noReconnect() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let server = try await RunningServer(database: dir.file("chat.sqlite"))
        let alice = SessionHarness(port: server.port, name: "alice") { $0.reconnect = false }
        try await alice.waitFor("joined") {
            if case .joined = $0 { return true }
            return false
        }
        try await server.stop()
        #expect(try await alice.ended() == .serverShutdown)
        #expect(alice.outputs.contains(.shutdown("the server is shutting down")))
    }

    @Test("the first connection fails: the error names host:port and the cause")
    func firstConnectionFails() async throws {
        let port = try unusedPort()
        let alice = SessionHarness(port: port, name: "alice")
        await #expect {
            _ = try await alice.ended()
        } throws: { error in
            "\(error)".contains("127.0.0.1:\(port)") && "\(error)".contains("refused")
        }
    }

    @Test("messages typed before the connection is up go out once it is, in order; /history is answered")
    func queuedAndHistory() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        try await withRunningServer(database: dir.file("chat.sqlite")) { server in
            let alice = SessionHarness(port: server.port, name: "alice")
            for index in 0..<5 { alice.send(.say("early \(index)")) }
            try await alice.waitForMessage("early 4")
            alice.send(.history(limit: 3))
            try await alice.waitFor("the answer to /history") {
                if case .historyEnd(.requested, count: 3, _) = $0 { return true }
                return false
            }
            #expect(alice.shownTexts == (0..<5).map { "early \($0)" })
            let answered = alice.outputs.compactMap { output -> String? in
                if case .event(let event, .requested) = output { return event.text }
                return nil
            }
            #expect(answered == ["early 2", "early 3", "early 4"])
            #expect(try await alice.quit() == .quit)
        }
    }
}

/// A port nothing listens on (bound, then closed).
func unusedPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    try withUnsafeMutablePointer(to: &address) { pointer in
        try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
            guard bind(fd, raw, length) == 0, getsockname(fd, raw, &length) == 0 else {
                throw WaitFailure(description: "cannot bind a probe socket")
            }
        }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}
