import ChatCore
import ChatModel
import ChatTestSupport
import Testing

/// IRCv3 client-only tags in the core: recorded with the message they came with, and tags-only
/// messages (IRC's TAGMSG) recorded as events of their own that history and exports pass over.
@Suite("Core: client-only tags and tags-only messages")
struct ClientTagsTests {
    @Test("a tagged message, notice and private message keep their tags; a tags-only message is an event of its own")
    func recorded() async throws {
        let harness = try CoreHarness()
        defer { harness.close() }
        let alice = try await CoreDriver.joined(harness, connection: 1, as: "alice")
        _ = try await CoreDriver.joined(harness, connection: 2, as: "bob")
        await alice.send(.request(.tagged(.say("hi"), clientTags: "+baz=bat")))
        await alice.send(.request(.tagged(.notice("note"), clientTags: "+a")))
        await alice.send(.request(.tagged(.privateMessage(to: "bob", text: "psst"), clientTags: "+draft/reply=1")))
        await alice.send(.request(.tagged(.tagMessage(), clientTags: "+typing=active")))
        await alice.send(.request(.tagged(.privateTagMessage(to: "bob"), clientTags: "+typing=done")))
        await alice.send(.request(.say("plain")))

        let committed = harness.committed.filter { $0.user == "alice" && $0.kind != .join }
        let seen = committed.map { "\($0.kind.rawValue) \($0.text) \($0.clientTags ?? "-") \($0.recipient ?? "-")" }
        #expect(
            seen == [
                "message hi +baz=bat -", "notice note +a -", "message psst +draft/reply=1 bob",
                "tag_message  +typing=active -", "tag_message  +typing=done bob", "message plain - -",
            ])
        // History and exports read the tags of messages, and pass over tags-only messages.
        let recorded = try harness.recorded().filter { $0.user == "alice" && $0.kind != .join }
        #expect(recorded.map(\.kind) == [.message, .notice, .message])
        #expect(recorded.map(\.clientTags) == ["+baz=bat", "+a", nil])
    }

    @Test("a tags-only message is refused like a message: not in the room, a moderated room, no such person")
    func refused() async throws {
        let harness = try CoreHarness()
        defer { harness.close() }
        let alice = try await CoreDriver.joined(harness, connection: 1, as: "alice")
        let bob = try await CoreDriver.joined(harness, connection: 2, as: "bob")
        await bob.send(.request(.tagged(.tagMessage(room: "dev"), clientTags: "+x")))
        #expect(bob.replies.last == .error(.notInRoom("dev")))
        await bob.send(.request(.tagged(.privateTagMessage(to: "carol"), clientTags: "+x")))
        #expect(bob.replies.last == .error(.noSuchName("carol")))
        await alice.send(.request(.mode(room: "main", changes: [.flag(.moderated, on: true)])))
        await bob.send(.request(.tagged(.tagMessage(), clientTags: "+x")))
        #expect(bob.replies.last == .error(.moderatedRoom("main")))
        let tagged = harness.committed.filter { $0.kind == .tagMessage }
        #expect(tagged.isEmpty)
    }
}
