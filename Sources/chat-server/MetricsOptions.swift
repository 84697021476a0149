import ArgumentParser
import ChatServer

/// `--metrics-port` and `--metrics-host`: Prometheus text at `/metrics`, and `/health`.
struct MetricsOptions: ParsableArguments {
    @Option(
        parsing: .unconditional,
        help: "Serve Prometheus metrics at http://HOST:PORT/metrics and /health on this port (0 picks a free one).")
    var metricsPort: Int?

    @Option(help: "Address the metrics port listens on (loopback unless told otherwise).")
    var metricsHost = "127.0.0.1"

    func validate() throws {
        if let metricsPort, !(0...65535).contains(metricsPort) {
            throw ValidationError("--metrics-port must be 0 to 65535")
        }
        if metricsHost.isEmpty { throw ValidationError("--metrics-host: give an address, say 127.0.0.1") }
    }

    func apply(to configuration: inout ServerConfiguration) {
        configuration.metricsPort = metricsPort
        configuration.metricsHost = metricsHost
    }
}
