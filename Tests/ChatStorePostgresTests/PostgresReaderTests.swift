import ChatModel
import ChatStore
import ChatStorePostgres
import Testing

@Suite(.serialized, .enabled(if: PostgresCluster.isInstalled, postgresMissing), .postgresCluster)
struct PostgresReaderTests {
    @Test("catch-up, history, private messages, rooms, topics and sessions read as the SQLite reader answers them")
    func readerQueries() async throws {
        let address = try await freshDatabase()
        let (store, writer) = try await node(address)
        let script: [NewEvent] = [
            NewEvent(kind: .join, user: "alice"),  // 1
            message("alice", "one"),  // 2
            NewEvent(kind: .join, room: "dev", user: "bob"),  // 3
            NewEvent(kind: .topic, room: "dev", user: "bob", text: "builds"),  // 4
            message("alice", "two"),  // 5
            NewEvent(kind: .message, room: Room.privateName, user: "alice", text: "psst", recipient: "bob"),  // 6
            message("bob", "green", room: "dev"),  // 7
            message("alice", "three"),  // 8
            NewEvent(kind: .leave, user: "alice", reason: .quit),  // 9
        ]
        for event in script { _ = try await writer.append(event) }
        let reader = store.reader()

        #expect(ids(try await reader.recent(room: "main", limit: 2)) == [8, 9])
        #expect(try await reader.recent(room: "main", limit: 0).isEmpty)
        #expect(ids(try await reader.events(room: "main", after: 2, limit: 2)) == [5, 8])
        #expect(ids(try await reader.events(room: "main", after: 1, through: 8, limit: 10)) == [2, 5, 8])
        #expect(try await reader.count(room: "main", after: 1, through: 8) == 3)
        #expect(try await reader.count(room: "nowhere", after: 0, through: 9) == 0)
        #expect(try await reader.eventID(room: "main", fromEnd: 2) == 8)
        #expect(try await reader.eventID(room: "dev", fromEnd: 5) == nil)
        #expect(try await reader.lastEventID() == 9)
        #expect(ids(try await reader.events(after: 5, limit: 2)) == [6, 7])

        let privateOfBob = try await reader.privateEvents(of: "bob", after: 0, through: 9, limit: 10)
        #expect(texts(privateOfBob) == ["psst"])
        #expect(privateOfBob.first?.recipient == "bob")
        #expect(try await reader.privateEvents(of: "carol", after: 0, through: 9, limit: 10).isEmpty)

        #expect(try await reader.roomNames() == ["main", "dev"])
        let topics = try await reader.topics()
        #expect(texts(topics) == ["builds"])
        #expect(topics.first?.room == "dev")

        let leave = try await reader.events(room: "main", after: 8, limit: 1).first
        #expect(leave?.reason == .quit)
        #expect(leave?.session == writer.session)

        let sessions = try await reader.sessions()
        #expect(sessions.count == 1)
        #expect(sessions.first?.id == writer.session)
        #expect(sessions.first?.messages == 5)
        #expect(sessions.first?.joins == 2)
        #expect(sessions.first?.leaves == 1)
        #expect(sessions.first?.participants == 2)
        #expect(sessions.first?.state == .running)
        #expect(try await reader.latestSessionID() == writer.session)
        #expect(try await reader.session(999) == nil)

        try await store.close()
        #expect(try await reader.session(writer.session)?.state == .clean)
        await reader.close()
    }

    @Test("tags-only messages (IRC's TAGMSG) are in the tail a follower reads, never in history, a catch-up or a count")
    func tagMessagesOnlyLive() async throws {
        let address = try await freshDatabase()
        let (store, writer) = try await node(address)
        let script: [NewEvent] = [
            NewEvent(kind: .join, user: "alice"),  // 1
            message("alice", "one"),  // 2
            NewEvent(kind: .tagMessage, user: "alice", clientTags: "+typing=active"),  // 3
            NewEvent(
                kind: .tagMessage, room: Room.privateName, user: "alice", recipient: "bob", clientTags: "+typing=active"
            ),  // 4
            message("alice", "two"),  // 5
        ]
        for event in script { _ = try await writer.append(event) }
        let reader = store.reader()
        #expect(ids(try await reader.recent(room: "main", limit: 5)) == [1, 2, 5])
        #expect(ids(try await reader.events(room: "main", after: 0, limit: 10)) == [1, 2, 5])
        #expect(ids(try await reader.events(room: "main", after: 0, through: 5, limit: 10)) == [1, 2, 5])
        #expect(try await reader.count(room: "main", after: 0, through: 5) == 3)
        #expect(try await reader.eventID(room: "main", fromEnd: 2) == 2)
        #expect(try await reader.privateEvents(of: "bob", after: 0, through: 5, limit: 10).isEmpty)
        #expect(ids(try await reader.events(after: 0, limit: 10)) == [1, 2, 3, 4, 5])
        await reader.close()
        try await store.close()
    }

    @Test("a database that holds another program's tables is refused, and one migrated twice keeps its schema")
    func schemaChecks() async throws {
        let address = try await freshDatabase()
        _ = try await PostgresEventStore(address: address)
        _ = try await PostgresEventStore(address: address)  // a second node: nothing to migrate

        let cluster = try #require(PostgresCluster.current)
        let other = try await cluster.makeDatabase()
        try await cluster.execute("CREATE TABLE invoices (id INTEGER)", in: other.database)
        var refusal: StoreError?
        do {
            _ = try await PostgresEventStore(address: other)
        } catch {
            refusal = error
        }
        #expect(refusal?.kind == .notADatabase)
    }
}
