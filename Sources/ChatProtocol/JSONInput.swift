import Foundation

/// The one way the protocol reads JSON: messages, the events in them, and events read back from
/// exports. Text whose objects name a key twice is refused as `malformed`.
enum JSONInput {
    /// `bytes` decoded as `T`, or a `malformed` error that says in one line what is wrong.
    static func decode<T: Decodable>(_ type: T.Type, from bytes: some Collection<UInt8>) throws(ProtocolError) -> T {
        let bytes = Array(bytes)
        if let key = DuplicateKeys.first(in: bytes) {
            throw ProtocolError(code: .malformed, message: "malformed message: duplicate key \"\(key)\"")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw ProtocolError(code: .malformed, message: "malformed message: \(error.summary)")
        } catch {
            throw ProtocolError(code: .malformed, message: "malformed message")
        }
    }
}

extension DecodingError {
    /// One short line instead of Foundation's long description.
    var summary: String {
        switch self {
        case .keyNotFound(let key, _): return "missing \"\(key.stringValue)\""
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "wrong type at \"\(context.codingPath.map(\.stringValue).joined(separator: "."))\""
        case .dataCorrupted: return "not valid JSON"
        @unknown default: return "not valid JSON"
        }
    }
}
