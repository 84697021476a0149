import ArgumentParser
import ChatServer

/// `--tls-port`, `--tls-cert`, `--tls-key`: a second port serving the same doors inside TLS.
struct TLSOptions: ParsableArguments {
    @Option(
        parsing: .unconditional,
        help: "Also listen for TLS on this port (0 picks a free one); needs --tls-cert and --tls-key.")
    var tlsPort: Int?

    @Option(help: "PEM file: the server's certificate (then any intermediates). SIGHUP reads it again.")
    var tlsCert: String?

    @Option(help: "PEM file: the certificate's private key. SIGHUP reads it again.")
    var tlsKey: String?

    func validate() throws {
        guard tlsPort != nil || tlsCert != nil || tlsKey != nil else { return }
        guard let tlsPort, tlsCert != nil, tlsKey != nil else {
            throw ValidationError("--tls-port, --tls-cert and --tls-key go together")
        }
        guard (0...65535).contains(tlsPort) else { throw ValidationError("--tls-port must be 0 to 65535") }
    }

    /// The TLS listener asked for, if any.
    var settings: TLSSettings? {
        guard let tlsPort, let tlsCert, let tlsKey else { return nil }
        return TLSSettings(port: tlsPort, certificatePath: tlsCert, keyPath: tlsKey)
    }
}
