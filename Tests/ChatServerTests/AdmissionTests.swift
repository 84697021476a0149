import NIOCore
import Testing

@testable import ChatServer

/// Who may connect, counted without sockets.
@Suite("Admission: per address, newcomers, capacity")
struct AdmissionTests {
    static func peer(_ ip: String) throws -> SocketAddress { try SocketAddress(ipAddress: ip, port: 40000) }

    @Test("an address past its limit is refused; others are not; a close gives the place back")
    func perAddress() throws {
        var admission = Admission(
            limits: .init(maxClients: 100, maxPerAddress: 2, maxUnjoined: 100, limitsLoopback: false))
        #expect(admission.admit(1, from: try Self.peer("10.0.0.1")) == nil)
        #expect(admission.admit(2, from: try Self.peer("10.0.0.1")) == nil)
        #expect(admission.admit(3, from: try Self.peer("10.0.0.1")) == .tooManyFromAddress)
        #expect(admission.admit(4, from: try Self.peer("10.0.0.2")) == nil)
        admission.closed(1)
        #expect(admission.admit(5, from: try Self.peer("10.0.0.1")) == nil)
        #expect(admission.connections(from: "10.0.0.1") == 2)
        // Loopback is exempt unless told otherwise.
        for connection in Int64(10)..<20 {
            #expect(admission.admit(connection, from: try Self.peer("127.0.0.1")) == nil)
        }
        #expect(admission.admit(30, from: try Self.peer("::1")) == nil)
    }

    @Test("with --limit-loopback every loopback address counts on its own")
    func limitedLoopback() throws {
        var admission = Admission(
            limits: .init(maxClients: 100, maxPerAddress: 1, maxUnjoined: 100, limitsLoopback: true))
        #expect(admission.admit(1, from: try Self.peer("127.0.0.1")) == nil)
        #expect(admission.admit(2, from: try Self.peer("127.0.0.1")) == .tooManyFromAddress)
        #expect(admission.admit(3, from: try Self.peer("127.0.0.2")) == nil)
        #expect(Admission.isLoopback(try Self.peer("::ffff:127.0.0.1")))
        #expect(!Admission.isLoopback(try Self.peer("128.0.0.1")))
    }

    @Test("newcomers fill their share; a join frees a newcomer's place; members keep the rest")
    func unjoined() throws {
        var admission = Admission(
            limits: .init(maxClients: 4, maxPerAddress: 10, maxUnjoined: 2, limitsLoopback: false))
        #expect(admission.admit(1, from: try Self.peer("10.0.0.1")) == nil)
        #expect(admission.admit(2, from: try Self.peer("10.0.0.2")) == nil)
        #expect(admission.admit(3, from: try Self.peer("10.0.0.3")) == .tooManyNewcomers)
        admission.joined(1)
        admission.joined(1)
        #expect(admission.unjoined == 1)
        #expect(admission.admit(4, from: try Self.peer("10.0.0.3")) == nil)
        admission.joined(4)
        #expect(admission.admit(5, from: try Self.peer("10.0.0.4")) == nil)
        #expect(admission.admit(6, from: try Self.peer("10.0.0.5")) == .full)
        admission.closed(2)
        admission.closed(2)
        #expect(admission.unjoined == 1 && admission.count == 3)
    }

    @Test("--max-unjoined by default: a quarter of --max-clients, at least 16, at most --max-clients")
    func defaults() {
        var configuration = ServerConfiguration()
        #expect(configuration.effectiveMaxUnjoined == 250)
        configuration.maxClients = 10
        #expect(configuration.effectiveMaxUnjoined == 10)
        configuration.maxClients = 40
        #expect(configuration.effectiveMaxUnjoined == 16)
        configuration.maxUnjoined = 3
        #expect(configuration.effectiveMaxUnjoined == 3)
        #expect(configuration.maxClientsPerAddress == 20 && !configuration.limitsLoopback)
    }
}
