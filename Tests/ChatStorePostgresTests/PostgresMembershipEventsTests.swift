import ChatModel
import ChatStore
import ChatStorePostgres
import Testing

/// What a node starting on a shared database reads of the other nodes' members.
@Suite(.serialized, .enabled(if: PostgresCluster.isInstalled, postgresMissing), .postgresCluster)
struct PostgresMembershipEventsTests {
    @Test(
        "membershipEvents: the joins, leaves, renames, room kicks and modes of the running sessions that heartbeat, through the cursor"
    )
    func runningSessionsOnly() async throws {
        let address = try await freshDatabase()
        let (live, liveWriter) = try await node(address)
        let presence = live.presence(session: liveWriter.session)
        try await presence.start()
        let (silent, silentWriter) = try await node(address)  // running, but no heartbeat
        let (ended, endedWriter) = try await node(address)
        _ = try await endedWriter.append(NewEvent(kind: .join, room: "lab", user: "old", connection: 1))
        try await ended.close()
        _ = try await silentWriter.append(NewEvent(kind: .join, room: "lab", user: "ghost", connection: 1))
        let script: [NewEvent] = [
            NewEvent(kind: .join, room: "lab", user: "alice", connection: 1),
            message("alice", "hi", room: "lab"),
            NewEvent(kind: .topic, room: "lab", user: "alice", text: "t", connection: 1),
            NewEvent(kind: .mode, room: "lab", user: "alice", text: "+m", connection: 1),
            NewEvent(kind: .rename, room: "lab", user: "alice", text: "alicia", connection: 1),
            NewEvent(kind: .roomKick, room: "lab", user: "alicia", text: "", connection: 1, target: "bob"),
            NewEvent(kind: .leave, room: "lab", user: "alicia", connection: 1, reason: .part),
        ]
        var last: Int64 = 0
        for event in script { last = try await liveWriter.append(event).id }
        _ = try await liveWriter.append(NewEvent(kind: .join, room: "ops", user: "alicia", connection: 1))

        let reader = live.reader()
        let read = try await reader.membershipEvents(besides: nil, through: last)
        let kinds = read.map { $0.kind }
        #expect(kinds == [.join, .mode, .rename, .roomKick, .leave])
        let sessions = Set(read.map { $0.session })
        #expect(sessions == [liveWriter.session])
        let besides = try await reader.membershipEvents(besides: liveWriter.session, through: last)
        #expect(besides.isEmpty)
        await reader.close()
        try await presence.close()
        try await silent.close()
        try await live.close()
    }
}
