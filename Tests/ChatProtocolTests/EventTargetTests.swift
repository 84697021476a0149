import ChatModel
import ChatProtocol
import Testing

@Suite("EventJSON: the target of moderation events")
struct EventTargetTests {
    @Test func aTargetIsWrittenLastAndReadBackAndAbsentOtherwise() throws {
        let kick = Event(
            id: 9, kind: .kick, user: "alice", text: "flooding", timeMillis: 1_764_500_000_000, session: 2,
            connection: 1, target: "mallory")
        let json = EventJSON.encode(kick)
        #expect(
            json
                == #"{"id":9,"kind":"kick","room":"main","user":"alice","text":"flooding","time":"2025-11-30T10:53:20.000Z","session":2,"connection":1,"target":"mallory"}"#
        )
        #expect(try EventJSON.decode(json) == kick)
        let message = Event(id: 10, kind: .message, user: "bob", text: "hi", timeMillis: 1_764_500_000_000, session: 2)
        #expect(!EventJSON.encode(message).contains("target"))
        #expect(try EventJSON.decode(EventJSON.encode(message)).target == nil)
    }
}
