import ArgumentParser
import Foundation

/// `chat-bench`: benchmarks of the store, queries, export, start-up and fan-out, each against a
/// baseline measured in the same run. Figures, never assertions: see BENCHMARKS.md.
@main
struct ChatBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat-bench",
        abstract: "Benchmarks of chatroom, each with a baseline from the same run.",
        subcommands: [
            StoreBench.self, HistoryBench.self, RoomsHistoryBench.self, ExportBench.self, StartupBench.self,
            LoadBench.self, WebSocketBench.self, SmokeBench.self, PurgeBench.self, SearchBench.self, PostgresBench.self,
        ])
}

/// A scratch directory for one benchmark, removed afterwards.
struct Scratch {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "chat-bench-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Monotonic seconds.
func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

/// The median and 99th percentile of `samples`, in the samples' unit.
func percentiles(_ samples: [Double]) -> (p50: Double, p99: Double) {
    guard !samples.isEmpty else { return (0, 0) }
    let sorted = samples.sorted()
    func at(_ q: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * q))] }
    return (at(0.5), at(0.99))
}

/// Formats a rate: `1.23 M/s`.
func rate(_ count: Int, _ seconds: Double) -> String {
    let perSecond = Double(count) / max(seconds, 1e-9)
    return perSecond >= 1e6 ? String(format: "%.2f M/s", perSecond / 1e6) : String(format: "%.0f k/s", perSecond / 1e3)
}
