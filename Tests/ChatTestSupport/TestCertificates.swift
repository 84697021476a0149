import Foundation
import NIOSSL

/// A CA and a server certificate signed by it (SAN IP:127.0.0.1 and DNS:localhost), made with
/// the `openssl` command in `directory`. Without `openssl` on PATH it throws, saying so: TLS
/// tests are never skipped silently.
package struct TestCertificates: Sendable {
    /// The CA's certificate (PEM): what a client trusts (`--tls-ca`).
    package let caPath: String
    /// The server's certificate (PEM) and its private key (PEM).
    package let certificatePath: String
    package let keyPath: String

    /// Makes `NAME-ca.pem`, `NAME-server.pem` and `NAME-server.key` in `directory`, the CA
    /// called `NAME test CA`.
    package init(in directory: String, name: String = "a") async throws {
        guard let openssl = findExecutable("openssl") else {
            throw WaitFailure(
                description:
                    "openssl is not installed (apt-get install openssl): the TLS tests need it to make certificates")
        }
        let base = "\(directory)/\(name)"
        let (caKey, csr, extensions) = ("\(base)-ca.key", "\(base)-server.csr", "\(base)-server.ext")
        caPath = "\(base)-ca.pem"
        certificatePath = "\(base)-server.pem"
        keyPath = "\(base)-server.key"
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\n".write(toFile: extensions, atomically: true, encoding: .utf8)
        let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        let steps = [
            ["req", "-x509"] + key + ["-days", "2", "-subj", "/CN=\(name) test CA", "-keyout", caKey, "-out", caPath],
            ["req"] + key + ["-subj", "/CN=chatroom test", "-keyout", keyPath, "-out", csr],
            [
                "x509", "-req", "-in", csr, "-CA", caPath, "-CAkey", caKey, "-CAcreateserial", "-days", "2",
                "-extfile", extensions, "-out", certificatePath,
            ],
        ]
        for arguments in steps {
            let result = try await runProcess(openssl, arguments)
            guard result.status == 0 else {
                throw WaitFailure(description: "openssl \(arguments.joined(separator: " ")) failed: \(result.errors)")
            }
        }
    }

    /// A client context that trusts this CA only (TLS 1.2 at least, full verification).
    package func clientContext() throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caPath))
        configuration.minimumTLSVersion = .tlsv12
        return try NIOSSLContext(configuration: configuration)
    }

    /// Copies this certificate and key over `other`'s files (for a reload).
    package func install(over certificatePath: String, keyPath: String) throws {
        for (from, to) in [(self.certificatePath, certificatePath), (self.keyPath, keyPath)] {
            let data = try Data(contentsOf: URL(fileURLWithPath: from))
            try data.write(to: URL(fileURLWithPath: to), options: .atomic)
        }
    }
}
