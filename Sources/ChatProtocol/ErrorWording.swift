import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The one place that turns network errors into plain words for people: never NIO's own text
/// (`read(descriptor:pointer:size:): Connection reset by peer (errno: 104)`).
///
/// Uses only NIO, so it goes wherever `ChatConnection` goes.
public enum ErrorWording {
    /// Why a connection to `host:port` could not be made, as a whole sentence:
    /// `connection refused: is chat-server running on 127.0.0.1:7070?`, `cannot resolve host example`,
    /// `cannot connect to 10.0.0.9:7070: timed out`.
    public static func connectFailure(_ error: any Error, host: String, port: Int) -> String {
        let address = "\(host):\(port)"
        if let error = error as? NIOConnectionError {
            // Happy eyeballs: one failure per address tried; the first says it best.
            if let first = error.connectionErrors.first { return connectFailure(first.error, host: host, port: port) }
            if error.dnsAError != nil || error.dnsAAAAError != nil { return "cannot resolve host \(host)" }
            return "cannot connect to \(address)"
        }
        if error is SocketAddressError || error is SocketAddressError.UnknownHost {
            return "cannot resolve host \(host)"
        }
        if let error = error as? IOError, error.errnoCode == ECONNREFUSED {
            return "connection refused: is chat-server running on \(address)?"
        }
        return "cannot connect to \(address): \(describe(error))"
    }

    /// Why a server could not listen, in plain words: `the port is in use (is another chat-server
    /// running?)`, `permission denied (ports below 1024 need privileges)`, `cannot resolve host`.
    public static func listenFailure(_ error: any Error) -> String {
        guard let error = error as? IOError else { return describe(error) }
        switch error.errnoCode {
        case EADDRINUSE: return "the port is in use (is another chat-server running?)"
        case EACCES: return "permission denied (ports below 1024 need privileges)"
        case EADDRNOTAVAIL: return "this machine has no such address"
        default: return describe(errno: error.errnoCode)
        }
    }

    /// What went wrong with a connection, in plain words: `connection reset by the server`,
    /// `timed out`, `network unreachable`. Errors that are already worded for people keep their words.
    public static func describe(_ error: any Error) -> String {
        switch error {
        case let error as IOError: return describe(errno: error.errnoCode)
        case let error as ChannelError:
            switch error {
            case .connectTimeout: return "timed out"
            case .ioOnClosedChannel, .alreadyClosed, .eof, .outputClosed, .inputClosed:
                return "the connection is closed"
            default: return "connection failed (\(error))"
            }
        case is SocketAddressError, is SocketAddressError.UnknownHost: return "cannot resolve host"
        case is NIOConnectionError: return "connection failed"
        case is CancellationError: return "cancelled"
        default: return "\(error)"
        }
    }

    /// A system error number in plain words.
    public static func describe(errno code: Int32) -> String {
        switch code {
        case ECONNRESET: return "connection reset by the server"
        case EPIPE: return "the server closed the connection"
        case ECONNREFUSED: return "connection refused"
        case ECONNABORTED: return "connection aborted"
        case ETIMEDOUT: return "timed out"
        case ENETUNREACH: return "network unreachable"
        case EHOSTUNREACH: return "host unreachable"
        case ENETDOWN: return "network is down"
        case EADDRNOTAVAIL: return "address not available"
        case EMFILE, ENFILE: return "too many open files"
        default:
            // strerror's words, lower-cased, without NIO's function name.
            let words = String(cString: strerror(code))
            return words.prefix(1).lowercased() + words.dropFirst() + " (errno \(code))"
        }
    }
}
