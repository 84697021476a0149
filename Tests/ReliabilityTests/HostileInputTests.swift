import ChatModel
import ChatStore
import ChatTestSupport
import Foundation
import NIOCore
import Testing

@Suite("Reliability: hostile input against a running server", .timeLimit(.minutes(15)))
struct HostileInputTests {
    @Test(
        "random bytes, overlong lines, bad UTF-8, NUL, escapes, bad/huge/nested JSON, bad sequences, half-closes, a slow name: 0 crashes, 0 hangs, others unaffected"
    )
    func hostileInput() async throws {
        let count = Scale.pick("RELIABILITY_HOSTILE_CASES", quick: 300, full: 5000)
        let seed = UInt64(Scale.pick("RELIABILITY_SEED", quick: 20_261_123, full: 20_261_123))
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        let server = try ServerProcess(
            database: db, arguments: ["--rate", "0", "--log-level", "warning", "--irc-port", "0"])
        let port = server.port
        let ircPort = try #require(server.ircPort)
        let alice = try await TestClient.join(port: port, as: "alice")
        let bob = try await TestClient.join(port: port, as: "bob")
        let carol = try await TestClient.connect(port: port)
        try await carol.send(#"{"type":"hello","protocol":1,"name":"carol"}"#)
        try await carol.expect { $0.hasPrefix(#"{"type":"history_end""#) }

        // A name typed one byte a second, all along.
        let slowName = Array("snail\n".utf8)
        let snail = Task {
            let client = try await TestClient.connect(port: port)
            for byte in slowName {
                try await client.send(bytes: [byte])
                try await Task.sleep(for: .seconds(1))
            }
            try await client.expect { $0.hasPrefix("Hello snail!") }
            await client.close()
        }

        var random = SeededGenerator(seed: seed)
        var kinds: [String: Int] = [:]
        var worstProbe = 0.0
        let started = Date()
        for index in 0..<count {
            let kind = index % HostileCase.allCases.count
            let hostile = HostileCase.allCases[kind]
            kinds[hostile.rawValue, default: 0] += 1
            if hostile == .ircLines {
                try await hostile.runIRC(port: ircPort, index: index, random: &random)
            } else {
                try await hostile.run(port: port, index: index, random: &random)
            }
            #expect(server.isRunning, "the server died after case \(index) (\(hostile))")
            if !server.isRunning { break }
            if index % 10 == 9 {
                // Others are unaffected: a message still goes round within a bound.
                let sent = Date()
                try await alice.send("probe \(index)")
                try await bob.expect(within: 5) { $0 == "alice: probe \(index)" }
                try await carol.expect(within: 5) { $0.contains(#""text":"probe \#(index)""#) }
                worstProbe = max(worstProbe, Date().timeIntervalSince(sent))
            }
        }
        try await snail.value
        let seconds = Date().timeIntervalSince(started)
        // Nothing a hostile client sent reached a terminal as a control character.
        let bobLines = try await bob.received
        #expect(bobLines.allSatisfy { !$0.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F } })
        #expect(!bobLines.contains { $0.contains("HOSTILE-OVERLONG") })
        #expect(try await server.stop() == 0)
        let reader = try EventReader(path: db)
        #expect(try reader.integrityCheck() == "ok")
        #expect(try reader.events(EventFilter()).allSatisfy { !$0.text.unicodeScalars.contains { $0.value < 0x20 } })
        figure(
            "hostile-input",
            String(
                format:
                    "cases=%d seed=%llu crashes=0 hangs=0 probes_worst=%.0f ms seconds=%.1f slow_name=6 bytes at 1/s kinds=%d",
                count, seed, worstProbe * 1000, seconds, kinds.count))
    }
}

/// The kinds of hostile input, each run on a fresh connection.
enum HostileCase: String, CaseIterable {
    case randomBytes, overlongLine, invalidUTF8, nul, escapes, malformedJSON, hugeJSON, nestedJSON, helloTwice
    case beforeHello, halfClose, closeMidLine, randomAfterJoin, ircLines

    /// Random IRC lines on the IRC port, before and after registering: unknown and known commands
    /// with random parameters, tags, CTCP, NUL, bad UTF-8, overlong lines, many targets; then the
    /// connection still answers a PING.
    func runIRC(port: Int, index: Int, random: inout SeededGenerator) async throws {
        let client = try await IRCTestClient.connect(port: port)
        defer { Task { await client.close() } }
        let commands = [
            "NICK", "USER", "JOIN", "PART", "PRIVMSG", "NOTICE", "TOPIC", "NAMES", "WHO", "WHOIS", "LIST", "MODE",
            "AWAY", "CAP", "PASS", "AUTHENTICATE", "CHATHISTORY", "KICK", "ISON", "USERHOST", "FOO", "PONG",
        ]
        let words = [
            "#dev", "#x", "*", "0", "", ":", "::", "alice", "#a,#b,#c", "LS", "REQ", "END", "302", "msgid=1",
            "timestamp=2026-11-30T00:00:00Z", "LATEST", "BEFORE", "\u{1}ACTION x\u{1}", "\u{1}VERSION\u{1}", "+b",
            String(repeating: "#r,", count: 50), "é", "\u{0}", "@", "!", "h\(index)",
        ]
        for step in 0..<Int.random(in: 5...40, using: &random) {
            if step == 3 {
                try await client.send("NICK i\(index)")
                try await client.send("USER i 0 * :i")
            }
            var line = commands.randomElement(using: &random)!
            for _ in 0..<Int.random(in: 0...4, using: &random) { line += " " + words.randomElement(using: &random)! }
            switch Int.random(in: 0..<10, using: &random) {
            case 0: line = "@a=b\\s;c;=;" + String(repeating: "t", count: 100) + " " + line
            case 1: line += " :" + String(repeating: "x", count: Int.random(in: 400...9000, using: &random))
            case 2:
                try await client.lines.send(bytes: Array(line.utf8) + [0xFF, 0xC3, 0x28, 13, 10])
                continue
            default: break
            }
            try await client.send(line)
        }
        try await client.send("PING :alive\(index)")
        try await client.expect { $0.command == "PONG" && $0.parameters.last == "alive\(index)" }
    }

    func run(port: Int, index: Int, random: inout SeededGenerator) async throws {
        let client = try await TestClient.connect(port: port)
        defer { Task { await client.close() } }
        try await client.expect { $0.hasPrefix("Welcome to chatroom!") }
        func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) } }
        func join() async throws {
            try await client.send("h\(index)")
            try await client.expect { $0.hasPrefix("Hello ") }
        }
        func hello() async throws {
            try await client.send(#"{"type":"hello","protocol":1,"name":"j\#(index)"}"#)
            try await client.expect { $0.hasPrefix(#"{"type":"history_end""#) }
        }
        /// The connection still answers: a round trip proves the server did not hang on it.
        func stillAnswers(structured: Bool) async throws {
            if structured {
                try await client.send(#"{"type":"who"}"#)
                try await client.expect { $0.hasPrefix(#"{"type":"who""#) }
            } else {
                try await client.send("/who")
                try await client.expect { $0.hasPrefix("In the room") }
            }
        }
        switch self {
        case .randomBytes:
            try await client.send(bytes: bytes(Int.random(in: 1...8192, using: &random)))
        case .overlongLine:
            try await join()
            let size = Int.random(in: 4097...100_000, using: &random)
            try await client.send("HOSTILE-OVERLONG" + String(repeating: "x", count: size))
            try await client.expect { $0.hasPrefix("error: your message was") }
            try await stillAnswers(structured: false)
        case .invalidUTF8:
            try await client.send(bytes: [0xC3, 0x28, 0xFF, 0xFE, 0xED, 0xA0, 0x80, 0x0A])
            try await client.expect { $0.hasPrefix("Hello ") }
            try await client.send(bytes: [0x61, 0xF0, 0x28, 0x8C, 0x28, 0xC0, 0xAF, 0x0A])
            try await stillAnswers(structured: false)
        case .nul:
            try await client.send(bytes: [0x6E, 0x00, 0x75, 0x00, 0x0A])
            try await client.expect { $0.hasPrefix("Hello ") }
            try await client.send(bytes: [0x00, 0x00, 0x68, 0x69, 0x00, 0x0A])
            try await stillAnswers(structured: false)
        case .escapes:
            try await join()
            try await client.send("\u{1B}[2J\u{1B}]0;pwned\u{07}\u{1B}[31mred\u{9B}1m\u{202E}evil\r\u{08}\u{7F}")
            try await stillAnswers(structured: false)
        case .malformedJSON:
            try await hello()
            let samples = [
                #"{"type":"say","text":"#, #"{"type":5}"#, #"{""#, #"{"type":"say","text":"\ud800"}"#,
                #"{"type":"say","text":null}"#, #"{"type":"nope"}"#,
                #"{"type":"history","limit":-99999999999999999999}"#,
                #"{"type":"say","text":"a"} trailing"#, "{\"\u{00}\":1}",
                #"{"type":"history","limit":9223372036854775807}"#,
            ]
            for sample in samples { try await client.send(sample) }
            try await stillAnswers(structured: true)
        case .hugeJSON:
            try await hello()
            let size = Int.random(in: 3000...20_000, using: &random)
            try await client.send(#"{"type":"say","text":""# + String(repeating: "y", count: size) + #""}"#)
            try await stillAnswers(structured: true)
        case .nestedJSON:
            try await hello()
            let depth = Int.random(in: 100...2000, using: &random)
            try await client.send(
                #"{"type":"say","text":"n","x":"# + String(repeating: "[", count: depth)
                    + String(repeating: "]", count: depth) + "}")
            try await client.send(
                String(repeating: #"{"a":"#, count: depth / 3) + "1" + String(repeating: "}", count: depth / 3))
            try await stillAnswers(structured: true)
        case .helloTwice:
            try await hello()
            try await client.send(#"{"type":"hello","protocol":1,"name":"again"}"#)
            try await client.expect { $0.contains(#""code":"bad_sequence""#) }
        case .beforeHello:
            try await client.send(#"{"type":"say","text":"early"}"#)
            try await client.expect { $0.contains(#""code":"bad_sequence""#) }
            try await hello()
        case .halfClose:
            try await join()
            try await client.channel.close(mode: .output)
            try await client.expectClosed(within: 5)
        case .closeMidLine:
            try await client.send(bytes: Array("half a na".utf8))
        case .randomAfterJoin:
            try await join()
            var noise = bytes(Int.random(in: 1...3000, using: &random))
            noise.append(0x0A)
            try await client.send(bytes: noise)
            try await stillAnswers(structured: false)
        case .ircLines:
            // On the IRC port: `runIRC`.
            break
        }
    }
}
