import Foundation
import Synchronization

/// Progress on standard error (CONTRACTS.md): a bar, drawn only when standard
/// error is a terminal, silent otherwise.
///
/// The stages stay unaware of it: the bar samples the bytes this process has
/// read (`rchar` of `/proc/self/io`, which counts the compressed bytes of an
/// xz or gzip input) against the inputs' sizes on disk, from a thread of its own.
final class ProgressBar: Sendable {
    private let enabled: Bool
    private let total: UInt64?
    private let label: String
    private let running = Atomic<Bool>(false)
    private let baseline: UInt64

    /// - Parameters:
    ///   - inputs: trace paths (`-` has no known size: the bar shows bytes and rate only).
    init(inputs: [String], label: String, enabled: Bool = isatty(2) != 0) {
        self.enabled = enabled
        self.label = label
        var sum: UInt64 = 0
        var known = true
        for path in inputs {
            guard path != "-", let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber else {
                known = false
                continue
            }
            sum += size.uint64Value
        }
        total = known && sum > 0 ? sum : nil
        baseline = Self.bytesRead() ?? 0
    }

    /// Starts drawing (every 0.2 s) until ``stop()``.
    func start() {
        guard enabled, Self.bytesRead() != nil else { return }
        running.store(true, ordering: .relaxed)
        let started = Date()
        Thread.detachNewThread { [self] in
            while running.load(ordering: .relaxed) {
                draw(elapsed: Date().timeIntervalSince(started))
                Thread.sleep(forTimeInterval: 0.2)
            }
        }
    }

    /// Stops and clears the line.
    func stop() {
        guard enabled else { return }
        running.store(false, ordering: .relaxed)
        FileHandleStandardError.write("\r\u{1B}[K")
    }

    private func draw(elapsed: TimeInterval) {
        guard running.load(ordering: .relaxed), let now = Self.bytesRead() else { return }
        let done = now &- baseline
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        var line = "\r\u{1B}[K\(label) "
        if let total {
            let fraction = min(1, Double(done) / Double(total))
            let width = 30
            let filled = Int(fraction * Double(width))
            line += "[" + String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled) + "] "
            line += String(format: "%3.0f%% %@ of %@", fraction * 100, Self.bytes(min(done, total)), Self.bytes(total))
        } else {
            line += Self.bytes(done)
        }
        line += String(format: " %@/s", Self.bytes(UInt64(rate)))
        FileHandleStandardError.write(line)
    }

    /// `rchar` of /proc/self/io: bytes this process has read so far.
    static func bytesRead() -> UInt64? {
        guard let text = try? String(contentsOfFile: "/proc/self/io", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("rchar:") {
            return UInt64(line.dropFirst(6).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    static func bytes(_ n: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(n)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(n) B" : String(format: "%.1f %@", value, units[unit])
    }
}
