import ArgumentParser
import ChatModel
import ChatProtocol
import ChatStore
import Foundation

/// Export speed to NDJSON in constant memory, against a plain row scan of the same events.
struct ExportBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "NDJSON export rate against a bare scan of the same rows.")

    @Option(help: "Events in the database.")
    var events = 1_000_000

    func run() async throws {
        print(try await Self.measure(events: events))
    }

    static func measure(events: Int) async throws -> String {
        let scratch = Scratch()
        defer { scratch.remove() }
        let path = scratch.file("export.sqlite")
        try await HistoryBench.fill(path, from: 0, to: events)
        let reader = try EventReader(path: path)
        var scanned = 0
        let scanStart = now()
        try reader.forEach(EventFilter()) { _ in scanned += 1 }
        let scanSeconds = now() - scanStart
        let rssBefore = residentKiB()
        let output = FileHandle(forWritingAtPath: "/dev/null")!
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 16)
        var exported = 0
        let exportStart = now()
        try reader.forEach(EventFilter()) { event in
            EventJSON.append(event, to: &buffer)
            buffer.append(UInt8(ascii: "\n"))
            exported += 1
            if buffer.count >= 1 << 16 {
                output.write(Data(buffer))
                buffer.removeAll(keepingCapacity: true)
            }
        }
        output.write(Data(buffer))
        let exportSeconds = now() - exportStart
        return String(
            format: "export: events=%d ndjson=%@ bare_scan=%@ RATIO ndjson/scan=%.2f rss_growth=%dKiB",
            exported, rate(exported, exportSeconds), rate(scanned, scanSeconds), scanSeconds / exportSeconds,
            residentKiB() - rssBefore)
    }
}

/// This process's resident memory, from /proc.
func residentKiB(pid: Int32 = getpid()) -> Int {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    }
    return 0
}
