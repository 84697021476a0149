import ChatModel
import Foundation
import Testing

@testable import ChatStore

@Suite("History queries")
struct HistoryTests {
    @Test func recentAndResume() async throws {
        let directory = try TemporaryDirectory()
        let (store, writer) = try openSession(directory.database)
        defer { try? store.close() }
        var main: [Event] = []
        var side: [Event] = []
        for index in 0..<30 {
            main.append(try await writer.append(.message("alice", "main \(index)")))
            if index % 6 == 0 { side.append(try await writer.append(.message("bob", "side \(index)", room: "side"))) }
        }
        try store.read { reader in
            #expect(try reader.recent(limit: 10) == Array(main.suffix(10)))
            #expect(try reader.recent(limit: 1) == [main.last!])
            #expect(try reader.recent(limit: 100) == main)
            #expect(try reader.recent(limit: 0).isEmpty)
            #expect(try reader.recent(limit: -3).isEmpty)
            #expect(try reader.recent(room: "side", limit: 3) == Array(side.suffix(3)))
            #expect(try reader.recent(room: "nowhere", limit: 3).isEmpty)

            #expect(try reader.events(after: main[9].id, limit: 5) == Array(main[10..<15]))
            #expect(try reader.events(after: main.last!.id, limit: 5).isEmpty)
            #expect(try reader.events(room: "side", after: 0, limit: 100) == side)
            // Paging from nothing rebuilds the room, as a resuming client would.
            var paged: [Event] = []
            var last: Int64 = 0
            while true {
                let page = try reader.events(after: last, limit: 7)
                guard let end = page.last else { break }
                paged += page
                last = end.id
            }
            #expect(paged == main)

            #expect(try reader.firstEventID() == main.first!.id)
            #expect(try reader.firstEventID(room: "side") == side.first!.id)
            #expect(try reader.firstEventID(room: "nowhere") == nil)
            #expect(try reader.lastEventID() == max(main.last!.id, side.last!.id))
        }
    }

    /// A reader kept for a long time (the store's pool, a tool) must see new events after each query.
    @Test func aReaderSeesNewEventsAfterEveryQuery() async throws {
        let directory = try TemporaryDirectory()
        let (store, writer) = try openSession(directory.database)
        defer { try? store.close() }
        let reader = try EventReader(path: directory.database)
        let first = try await writer.append(.message("alice", "one"))
        #expect(try reader.firstEventID() == first.id)
        let second = try await writer.append(.message("alice", "two"))
        #expect(try reader.lastEventID() == second.id)
        #expect(try reader.recent(limit: 5) == [first, second])
        #expect(try reader.sessions().first?.messages == 2)
        let third = try await writer.append(.message("alice", "three"))
        #expect(try reader.firstEventID() == first.id)
        #expect(try reader.events(after: second.id, limit: 5) == [third])
    }

    @Test func filters() async throws {
        let directory = try TemporaryDirectory()
        let base: Int64 = 1_700_000_000_000
        let users = ["alice", "bob", "carol"]
        let kinds: [EventKind] = [.join, .message, .action, .message, .leave]
        var time = base
        func event(_ index: Int) -> NewEvent {
            time += 1000
            let kind = kinds[index % kinds.count]
            return NewEvent(
                kind: kind, room: index % 4 == 0 ? "side" : Room.defaultName, user: users[index % users.count],
                text: kind == .message || kind == .action ? "text \(index)" : "", connection: Int64(index % 5),
                reason: kind == .leave ? .quit : nil, timeMillis: time)
        }
        for session in 0..<2 {
            let (store, writer) = try openSession(directory.database)
            for index in 0..<60 { _ = try await writer.append(event(session * 60 + index)) }
            try store.close()
        }

        let reader = try EventReader(path: directory.database)
        let all = try reader.events(EventFilter())
        #expect(all.count == 120)
        #expect(all.map(\.id) == Array(1...120))
        let cases: [(EventFilter, (Event) -> Bool)] = [
            (EventFilter(session: 2), { $0.session == 2 }),
            (EventFilter(session: 3), { _ in false }),
            (EventFilter(room: "side"), { $0.room == "side" }),
            (EventFilter(room: "nowhere"), { _ in false }),
            (EventFilter(users: ["bob"]), { $0.user == "bob" }),
            (EventFilter(users: ["alice", "carol"]), { $0.user != "bob" }),
            (EventFilter(kinds: [.message]), { $0.kind == .message }),
            (EventFilter(kinds: [.join, .leave]), { $0.kind == .join || $0.kind == .leave }),
            (EventFilter(afterID: 100), { $0.id > 100 }),
            (EventFilter(sinceMillis: base + 30_000), { $0.timeMillis >= base + 30_000 }),
            (EventFilter(untilMillis: base + 30_000), { $0.timeMillis < base + 30_000 }),
            (
                EventFilter(sinceMillis: base + 10_000, untilMillis: base + 20_000),
                { $0.timeMillis >= base + 10_000 && $0.timeMillis < base + 20_000 }
            ),
            (
                EventFilter(
                    session: 1, room: Room.defaultName, users: ["alice", "bob"], kinds: [.message, .action],
                    afterID: 5, sinceMillis: base + 8_000, untilMillis: base + 50_000),
                {
                    $0.session == 1 && $0.room == Room.defaultName && $0.user != "carol"
                        && ($0.kind == .message || $0.kind == .action) && $0.id > 5
                        && $0.timeMillis >= base + 8_000 && $0.timeMillis < base + 50_000
                }
            ),
        ]
        for (filter, selects) in cases {
            let expected = all.filter(selects)
            #expect(try reader.events(filter) == expected, "\(filter)")
            var count = 0
            try reader.forEach(filter) { _ in count += 1 }
            #expect(count == expected.count, "\(filter)")
            var limited = filter
            limited.limit = 3
            #expect(try reader.events(limited) == Array(expected.prefix(3)), "\(limited)")
        }
        #expect(try reader.events(EventFilter(limit: 0)).isEmpty)
        #expect(try reader.events(EventFilter(limit: -1)).isEmpty)
        #expect(try reader.events(EventFilter(users: ["bob"], limit: 1)) == [all[1]])
        // Leaves keep their reason, connections their number.
        #expect(all.filter { $0.kind == .leave }.allSatisfy { $0.reason == .quit })
        #expect(all[7].connection == 2)
    }

    @Test func forEachStreamsAHundredThousandEvents() async throws {
        let directory = try TemporaryDirectory()
        let (store, writer) = try openSession(directory.database)
        let count = 100_000
        for index in 0..<(count - 1) { writer.submit(.message("user\(index % 100)", "message number \(index)")) }
        let last = try await writer.append(.message("last", "the end"))
        try store.close()
        #expect(last.id == Int64(count))

        let reader = try EventReader(path: directory.database)
        var seen = 0
        var previous: Int64 = 0
        var inOrder = true
        try reader.forEach(EventFilter()) { event in
            seen += 1
            inOrder = inOrder && event.id == previous + 1
            previous = event.id
        }
        #expect(seen == count)
        #expect(inOrder)

        // Rows arrive one by one: the body can stop the query early.
        struct Enough: Error {}
        var early = 0
        #expect(throws: Enough.self) {
            try reader.forEach(EventFilter(users: ["user7"])) { _ in
                early += 1
                if early == 10 { throw Enough() }
            }
        }
        #expect(early == 10)
        var filtered = 0
        try reader.forEach(EventFilter(users: ["user7"], afterID: 50_000)) { _ in filtered += 1 }
        #expect(filtered == 500)
    }
}
