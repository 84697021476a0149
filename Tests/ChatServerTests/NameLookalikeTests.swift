import ChatClient
import ChatModel
import ChatProtocol
import ChatServer
import ChatTestSupport
import Foundation
import Testing

/// Names that pass for a present member's, in both doors: each is numbered or refused, and told why.
@Suite("Names that look alike", .timeLimit(.minutes(1)))
struct NameLookalikeTests {
    /// `alice` as issue #14 found it passed off, and what the newcomer is told.
    static let variants: [(typed: String, told: String)] = [
        ("ali\u{200B}ce", "Invisible characters were removed, and alice is taken: you are alice2."),
        ("ali\u{2060}ce", "Invisible characters were removed, and alice is taken: you are alice2."),
        ("\u{FEFF}alice", "Invisible characters were removed, and alice is taken: you are alice2."),
        ("ali\u{00AD}ce", "Invisible characters were removed, and alice is taken: you are alice2."),
        ("alic\u{034F}e", "Invisible characters were removed, and alice is taken: you are alice2."),
        ("alice\u{FE0F}", "Invisible characters were removed, and alice is taken: you are alice2."),
        ("alice\u{E0041}", "Invisible characters were removed, and alice is taken: you are alice2."),
        (
            "\u{0430}lice",
            "The name \u{0430}lice looks like alice, who is here (names that look alike count as the same name);"
                + " you are \u{0430}lice2."
        ),
        (
            "ａｌｉｃｅ",
            "Letters in special forms (full-width, circled, mathematical) were made plain, and alice is taken:"
                + " you are alice2."
        ),
    ]

    @Test("plain door: each variant of a present name is numbered, and told why", arguments: variants)
    func plainVariants(typed: String, told: String) async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        try await withServer(database: dir.file("chat.sqlite")) { server in
            let alice = try await TestClient.join(port: server.port, as: "alice")
            let other = try await TestClient.connect(port: server.port)
            try await other.send(typed)
            try await other.expect { $0 == told }
            try await alice.send("/who")
            let who = try await alice.expect { $0.hasPrefix("In the room (2): ") }
            #expect(who.hasSuffix("alice2") || who.hasSuffix("\u{0430}lice2"), "\(who)")
        }
    }

    @Test("JSON door: each variant of a present name is numbered, and the name_changed notice says why")
    func jsonVariants() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        try await withServer(database: dir.file("chat.sqlite")) { server in
            let alice = try await TestClient.join(port: server.port, as: "alice")
            for (typed, told) in Self.variants {
                try await ChatConnection.withConnection(host: "127.0.0.1", port: server.port, name: typed) { chat in
                    #expect(NameRules.skeleton(chat.welcome.name) == "alice2")
                    var notices: [String] = []
                    loop: while let message = try await chat.next() {
                        switch message {
                        case .notice(.nameChanged, let message): notices.append(message)
                        case .historyEnd: break loop
                        default: break
                        }
                    }
                    #expect(notices == [told])
                    try await chat.quit()
                }
                try await waitUntilAlone(alice)
            }
            await alice.close()
        }
    }

    @Test("a 3,700-byte name of combining marks does not pass; the person is told")
    func stackedMarks() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let marks = String(repeating: "\u{0301}", count: 1_850)
        try await withServer(database: dir.file("chat.sqlite")) { server in
            let plain = try await TestClient.connect(port: server.port)
            try await plain.send(marks)
            try await plain.expect {
                $0 == "Nothing was left of the name you gave once stacked accents were removed, so you are USR."
            }
            try await ChatConnection.withConnection(host: "127.0.0.1", port: server.port, name: "bob" + marks) { chat in
                #expect(chat.welcome.name == "bob\u{0301}\u{0301}\u{0301}")
                var notices: [String] = []
                loop: while let message = try await chat.next() {
                    switch message {
                    case .notice(.nameChanged, let message): notices.append(message)
                    case .historyEnd: break loop
                    default: break
                    }
                }
                #expect(notices == ["Stacked accents were removed: you are bob\u{0301}\u{0301}\u{0301}."])
                try await chat.quit()
            }
        }
    }

    @Test("reserved names are compared by skeleton, in both doors")
    func reservedBySkeleton() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        try await withServer(database: dir.file("chat.sqlite")) { server in
            let plain = try await TestClient.connect(port: server.port)
            try await plain.send("\u{0455}erver")
            try await plain.expect {
                $0 == "The name \u{0455}erver is reserved (it looks like server); please choose another:"
            }
            try await plain.send("server\u{200B}")
            try await plain.expect { $0 == "The name server is reserved; please choose another:" }
            await #expect(throws: ConnectionError.self) {
                try await ChatConnection.withConnection(host: "127.0.0.1", port: server.port, name: "ѕеrvеr") { _ in }
            }
            do {
                try await ChatConnection.withConnection(host: "127.0.0.1", port: server.port, name: "ａｄｍｉｎ") { _ in }
                Issue.record("admin in full-width letters was let in")
            } catch ConnectionError.refused(let code, let message) {
                #expect(code == .nameReserved)
                #expect(message == "the name admin is reserved; send another hello")
            }
        }
    }

    @Test("/nick to a name that looks like a present one is refused, in both doors, and told why")
    func nickLookalike() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        try await withServer(database: dir.file("chat.sqlite")) { server in
            let alice = try await TestClient.join(port: server.port, as: "alice")
            let bob = try await TestClient.join(port: server.port, as: "bob")
            try await bob.send("/nick \u{0430}lice")
            try await bob.expect {
                $0 == "error: the name \u{0430}lice looks like alice, who is here"
                    + " (names that look alike count as the same name); you keep your name."
            }
            try await bob.send("/nick ali\u{200B}ce")
            try await bob.expect { $0 == "error: the name alice is taken; you keep your name." }
            try await bob.send("/nick \u{0455}erver")
            try await bob.expect { $0.hasPrefix("The name \u{0455}erver is reserved (it looks like server)") }
            try await ChatConnection.withConnection(host: "127.0.0.1", port: server.port, name: "carol") { chat in
                try await chat.send(.nick("ａｌｉｃｅ"))
                while let message = try await chat.next() {
                    if case .error(let code, let message) = message {
                        #expect(code == .nameTaken)
                        #expect(message == "error: the name alice is taken; you keep your name.")
                        break
                    }
                }
                try await chat.send(.nick("BOB"))
                while let message = try await chat.next() {
                    if case .error(let code, _) = message {
                        #expect(code == .nameTaken)
                        break
                    }
                }
                try await chat.quit()
            }
            try await alice.send("/who")
            try await alice.expect { $0 == "In the room (2): alice, bob" || $0 == "In the room (3): alice, bob, carol" }
        }
    }

    /// Waits until `alice` is alone in the room: the one before has left, and its name is free.
    private func waitUntilAlone(_ alice: TestClient) async throws {
        for _ in 0..<100 {
            try await alice.send("/who")
            if try await alice.expect({ $0.hasPrefix("In the room (") }) == "In the room (1): alice" { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw WaitFailure(description: "the one before never left")
    }
}
