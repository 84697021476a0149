import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension ServerBootstrap {
    /// TCP keepalive on every accepted connection, so a member whose machine vanished (power cut,
    /// cable pulled, laptop closed) while nothing was sent to it is dropped as `connection lost`
    /// instead of holding its name and its slot for ever: after `idle` seconds without traffic
    /// the kernel sends a probe every `interval` seconds, and gives up after `probes` unanswered
    /// ones. While the server is sending to it, the outbound budget and the stall timer catch it
    /// first.
    func keepalive(idle: Int, interval: Int, probes: Int) -> ServerBootstrap {
        var bootstrap = childChannelOption(.socketOption(.so_keepalive), value: 1)
        #if os(Linux)
            let idleOption = TCP_KEEPIDLE
        #else
            let idleOption = TCP_KEEPALIVE
        #endif
        for (name, value) in [(idleOption, idle), (TCP_KEEPINTVL, interval), (TCP_KEEPCNT, probes)] {
            let option = ChannelOptions.Types.SocketOption(level: .tcp, name: NIOBSDSocket.Option(rawValue: name))
            bootstrap = bootstrap.childChannelOption(option, value: SocketOptionValue(clamping: value))
        }
        return bootstrap
    }
}
