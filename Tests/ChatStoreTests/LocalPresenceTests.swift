import ChatModel
import ChatStore
import Testing

@Suite("LocalPresence: one node's names and room members, as PostgresPresence answers them")
struct LocalPresenceTests {
    @Test("names are unique by skeleton; renames keep a name's rooms; releases free it and its rooms")
    func namesAndRooms() async throws {
        let presence: any Presence = LocalPresence(session: 7)
        #expect(try await presence.claim(1, as: "alice") == .granted)
        let alice = PresentName(name: "alice", session: 7, connection: 1)
        #expect(try await presence.claim(2, as: "ALICE") == .taken(by: alice))
        #expect(try await presence.claim(2, as: "bob") == .granted)
        #expect(try await presence.rename(2, to: "Alice") == .taken(by: alice))
        #expect(try await presence.rename(1, to: "Alice") == .granted)  // its own, another case
        #expect(try await presence.holder(of: "alice")?.name == "Alice")

        #expect(try await presence.enter(1, room: "Dev"))
        #expect(try await presence.enter(1, room: "dev") == false)
        #expect(try await presence.enter(2, room: "dev"))
        #expect(try await presence.enter(2, room: "main"))
        #expect(names(try await presence.members(of: "DEV")) == ["Alice", "bob"])
        #expect(try await presence.rooms(of: 2) == ["dev", "main"])
        #expect(try await presence.rename(2, to: "bobby") == .granted)
        #expect(names(try await presence.members(of: "main")) == ["bobby"])
        #expect(try await presence.holder(of: "bob") == nil)

        #expect(try await presence.leave(2, room: "DEV"))
        #expect(try await presence.leave(2, room: "dev") == false)
        #expect(try await presence.rooms(of: 2) == ["main"])
        #expect(try await presence.release(1))
        #expect(try await presence.release(1) == false)
        #expect(try await presence.members(of: "dev").isEmpty)
        #expect(names(try await presence.everyone()) == ["bobby"])

        var refusal: StoreError?
        do {
            try await presence.enter(9, room: "dev")
        } catch {
            refusal = error
        }
        #expect(refusal?.kind == .notFound)
    }

    private func names(_ present: [PresentName]) -> [String] { present.map(\.name) }
}
