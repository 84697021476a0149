/// The TLS listener: a second port that serves the same doors inside TLS (`--tls-port`,
/// `--tls-cert`, `--tls-key`).
public struct TLSSettings: Sendable {
    /// The TCP port for TLS; 0 takes a free one (`ChatServer.tlsPort` says which).
    public var port: Int
    /// PEM file: the server's certificate, then any intermediates.
    public var certificatePath: String
    /// PEM file: the certificate's private key.
    public var keyPath: String
    /// A connection whose handshake has not completed this long after it was accepted is closed.
    public var handshakeTimeoutSeconds = 10.0

    public init(port: Int, certificatePath: String, keyPath: String) {
        self.port = port
        self.certificatePath = certificatePath
        self.keyPath = keyPath
    }
}
