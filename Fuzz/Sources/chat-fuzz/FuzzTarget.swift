import ChatModel
import ChatProtocol
import NIOCore
import NIOEmbedded

/// One fuzz input: bytes from a client, cut into chunks as TCP might (the first byte sets the
/// chunk size), through the line framer with a small limit, then every line through the JSON
/// decoder and the sanitiser. Invariants: no line over the limit or holding a newline, and nothing
/// `CharacterPolicy` flags (controls, separators, bidi formatting) survives sanitising. Any crash, trap or sanitizer report is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func chatFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let limit = 512
    let channel = EmbeddedChannel(handler: ByteToMessageHandler(LineFrameDecoder(maxLineBytes: limit)))
    let step = max(1, Int(bytes.first ?? 1))
    var offset = 0
    while offset < size {
        let end = min(size, offset + step)
        _ = try? channel.writeInbound(ByteBuffer(bytes: bytes[offset..<end]))
        offset = end
    }
    _ = try? channel.finish()
    while let frame = try? channel.readInbound(as: InboundLine.self) {
        guard case .line(let buffer) = frame else { continue }
        let line = buffer.readableBytesView
        precondition(line.count <= limit, "a line over the limit got through")
        precondition(!line.contains(UInt8(ascii: "\n")), "a line holds a newline")
        check(TextSanitizer.clean(bytes: line))
        switch try? ClientMessage.decode(line) {
        case .say(let text)?, .me(let text)?: check(TextSanitizer.clean(text))
        case .hello(let name, _, _)?: check(NameRules.normalize(TextSanitizer.clean(name)))
        default: break
        }
    }
    return 0
}

private func check(_ text: String) {
    precondition(!text.unicodeScalars.contains(where: CharacterPolicy.isUnsafe), "a control character survived")
}

// SwiftPM links an executable's entry point as `<module>_main`; hand it to libFuzzer's driver.
@_silgen_name("LLVMFuzzerRunDriver")
private func runDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

@_cdecl("chat_fuzz_main")
public func fuzzMain(
    _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> CInt {
    var count = argc
    var arguments = argv
    return withUnsafeMutablePointer(to: &count) { count in
        withUnsafeMutablePointer(to: &arguments) { arguments in
            runDriver(count, UnsafeMutablePointer(OpaquePointer(arguments)), chatFuzz)
        }
    }
}
