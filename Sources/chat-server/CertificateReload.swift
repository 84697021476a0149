import ChatServer
import Logging
import ServiceLifecycle
import UnixSignals

/// SIGHUP reads the TLS certificate and key again (`ChatServer.reloadCertificates`); a failure
/// is logged and the previous certificate stays in use.
struct CertificateReload: Service {
    let server: ChatServer
    let signals: UnixSignalsSequence
    let logger: Logger

    func run() async throws {
        for await _ in signals.cancelOnGracefulShutdown() {
            logger.info("SIGHUP: reloading the TLS certificate")
            // Errors are logged by the server; it keeps serving the previous certificate.
            try? server.reloadCertificates()
        }
    }
}
