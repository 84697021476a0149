import Foundation
import NIOConcurrencyHelpers
import NIOSSL

/// The TLS listener's certificate and key as a `NIOSSLContext`: read at start, read again by
/// `reload()`; each new connection takes the context current when it is accepted.
final class ServerCertificates: Sendable {
    let settings: TLSSettings
    private let current: NIOLockedValueBox<NIOSSLContext>

    init(_ settings: TLSSettings) throws(ServerError) {
        self.settings = settings
        current = NIOLockedValueBox(try Self.load(settings))
    }

    /// The context for a new connection.
    var context: NIOSSLContext { current.withLockedValue { $0 } }

    /// Reads the files again; on failure the current context stays and the error says why.
    func reload() throws(ServerError) {
        let context = try Self.load(settings)
        current.withLockedValue { $0 = context }
    }

    /// A server context (TLS 1.2 at least) from the PEM files, or why not in plain words.
    static func load(_ settings: TLSSettings) throws(ServerError) -> NIOSSLContext {
        let (certificate, key) = (settings.certificatePath, settings.keyPath)
        for path in [certificate, key] where !FileManager.default.isReadableFile(atPath: path) {
            throw .tls(
                "cannot read \(path): "
                    + (FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file"))
        }
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificate)
        } catch {
            throw .tls("\(certificate) holds no PEM certificate (\(error))")
        }
        guard !chain.isEmpty else { throw .tls("\(certificate) holds no PEM certificate") }
        let privateKey: NIOSSLPrivateKey
        do {
            privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
        } catch {
            throw .tls("\(key) holds no PEM private key (\(error))")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
        configuration.minimumTLSVersion = .tlsv12
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw .tls("the key \(key) does not go with the certificate \(certificate) (\(error))")
        }
    }
}
