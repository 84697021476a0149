import NIOCore
import NIOSSL

/// How a client speaks TLS: TLS 1.2 at least, the server's certificate verified against the
/// system's roots or a CA file, and its name or IP address against the host connected to.
public struct ClientTLS: Sendable {
    /// Whom the server's certificate must be signed by, in words (`the system's roots`).
    public let trust: String
    /// The CA file given, if any (nil: the system's roots).
    public let caFile: String?
    let context: NIOSSLContext

    /// - Parameter caFile: a PEM file of the CA certificates to trust instead of the system's roots.
    /// - Throws: `ConnectionError.tlsSetup` when the CA file cannot be read.
    public init(caFile: String? = nil) throws {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        configuration.certificateVerification = .fullVerification
        self.caFile = caFile
        if let caFile {
            let roots: [NIOSSLCertificate]
            do {
                roots = try NIOSSLCertificate.fromPEMFile(caFile)
            } catch {
                throw ConnectionError.tlsSetup("cannot read CA certificates from \(caFile) (a PEM file is needed)")
            }
            guard !roots.isEmpty else { throw ConnectionError.tlsSetup("\(caFile) holds no PEM certificate") }
            configuration.trustRoots = .certificates(roots)
            trust = "the CA file \(caFile)"
        } else {
            configuration.trustRoots = .default
            trust = "the system's roots"
        }
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw ConnectionError.tlsSetup("cannot set up TLS: \(error)")
        }
    }

    /// The client's TLS handler for `host`: its name is sent (SNI) and checked; an IP address is
    /// checked against the certificate's IP addresses.
    func handler(host: String) throws -> NIOSSLClientHandler {
        let isAddress = (try? SocketAddress(ipAddress: host, port: 0)) != nil
        return try NIOSSLClientHandler(context: context, serverHostname: isAddress ? nil : host)
    }

    /// Why the handshake with `host:port` failed, in words, with what to do about it.
    func describe(_ error: any Error, host: String, port: Int) -> String {
        if let error = error as? NIOSSLExtraError, error == .failedToValidateHostname {
            return "the server's certificate is not for \(host); connect by a name or address it lists"
        }
        let text = "\(error)"
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            let hint = caFile == nil ? "give its CA with --tls-ca FILE" : "is --tls-ca the CA that signed it?"
            return "the server's certificate is not trusted (not signed by \(trust)); \(hint)"
        }
        if text.contains("WRONG_VERSION_NUMBER") || text.contains("PACKET_LENGTH_TOO_LONG")
            || text.contains("HTTP_REQUEST")
        {
            return "\(host):\(port) does not speak TLS (is it the plain port?)"
        }
        if case NIOSSLError.handshakeFailed(.sslError(let stack)) = error, stack == [.eofDuringHandshake] {
            return "\(host):\(port) closed the connection during the TLS handshake (is it a TLS port?)"
        }
        return "the handshake with \(host):\(port) failed: \(ErrorWording.describe(error))"
    }
}
