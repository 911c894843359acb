import ArgumentParser
import SGTraceGeneration

/// `sgreplay generate`: write a large, realistic, deterministic trace (for benchmarks and tests).
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a realistic synthetic 6.18 ftrace DMA trace (deterministic for a seed).")

    @Option(help: "Approximate size: bytes, or with a K, M or G suffix (powers of 1024).")
    var size: String = "64M"

    @Option(help: "Seed of the pseudo-random sequence.")
    var seed: UInt64 = 1

    @Option(help: "Output file (`-` for standard output).")
    var out: String

    @Option(name: .customLong("leak-percent"),
            help: "Share (0-100) of the dma_map_sg and dma_map_phys mappings a leaky driver never unmaps; their addresses stay out of later mappings (default 0: the same bytes as without the option).")
    var leakPercent: Double = 0

    func validate() throws {
        guard leakPercent >= 0, leakPercent <= 100 else {
            throw ValidationError("--leak-percent must be between 0 and 100, not \(leakPercent)")
        }
    }

    func run() throws {
        guard let bytes = Self.parseSize(size) else {
            throw ValidationError("--size must be a number of bytes with an optional K, M or G suffix, not '\(size)'")
        }
        do {
            let summary = try TraceGenerator(seed: seed, targetBytes: bytes, leakPercent: leakPercent).write(toPath: out)
            let leaks = leakPercent > 0 ? ", \(summary.leaked) mappings leaked" : ""
            FileHandleStandardError.write(
                "sgreplay: wrote \(summary.bytes) bytes, \(summary.lines) lines (\(summary.dmaEvents) DMA/IOMMU events, \(summary.mapSG) dma_map_sg of which \(summary.truncatedMapSG) truncated\(leaks)) to \(out)\n")
        } catch let error as GeneratorError {
            FileHandleStandardError.write("sgreplay: \(error)\n")
            throw ExitCode(ExitStatus.usage)
        }
    }

    /// `1G` → 1073741824.
    static func parseSize(_ text: String) -> UInt64? {
        var digits = Substring(text)
        var scale: UInt64 = 1
        switch text.last?.uppercased() {
        case "K": scale = 1 << 10
        case "M": scale = 1 << 20
        case "G": scale = 1 << 30
        default: break
        }
        if scale > 1 { digits = digits.dropLast() }
        guard let n = UInt64(digits) else { return nil }
        let (v, overflow) = n.multipliedReportingOverflow(by: scale)
        return overflow ? nil : v
    }
}
