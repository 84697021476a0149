import ChatProtocol
import Testing

@Suite struct ServerAddressTests {
    @Test("HOST:PORT is read, IPv6 in brackets; anything else is nil")
    func parsing() {
        #expect(ServerAddress("127.0.0.1:7071") == ServerAddress(host: "127.0.0.1", port: 7071))
        #expect(ServerAddress("chat.example:7070") == ServerAddress(host: "chat.example", port: 7070))
        #expect(ServerAddress("[::1]:7070") == ServerAddress(host: "::1", port: 7070))
        for text in ["localhost", ":7070", "host:", "host:0", "host:65536", "host:70x", "[]:7070"] {
            #expect(ServerAddress(text) == nil, "\(text)")
        }
    }

    @Test("an IPv6 host is written in brackets")
    func description() {
        #expect(ServerAddress(host: "::1", port: 7070).description == "[::1]:7070")
        #expect(ServerAddress(host: "10.0.0.2", port: 7070).description == "10.0.0.2:7070")
    }
}
