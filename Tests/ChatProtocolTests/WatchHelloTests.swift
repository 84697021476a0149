import ChatProtocol
import Testing

@Suite("Wire protocol: the watch field of hello")
struct WatchHelloTests {
    @Test("watch is sent only when true, and read back; a hello without it (or false) is not watching")
    func watchField() throws {
        let watching = ClientMessage.hello(name: "ears", watch: true)
        #expect(watching.json.contains(#""watch":true"#))
        #expect(try ClientMessage.decode(Array(watching.json.utf8)) == watching)
        let member = ClientMessage.hello(name: "alice", resumeAfter: 3)
        #expect(!member.json.contains("watch"), "servers and scripts that never heard of watch see the old hello")
        #expect(try ClientMessage.decode(Array(member.json.utf8)) == member)
        let off = #"{"type":"hello","protocol":1,"name":"bob","watch":false}"#
        #expect(try ClientMessage.decode(Array(off.utf8)) == .hello(name: "bob"))
    }

    @Test("watch_only is an error code a client can read")
    func watchOnlyCode() throws {
        let refusal = ServerMessage.error(code: .watchOnly, message: "you are watching")
        #expect(refusal.json.contains(#""code":"watch_only""#))
        #expect(try ServerMessage.decode(Array(refusal.json.utf8)) == refusal)
    }
}
