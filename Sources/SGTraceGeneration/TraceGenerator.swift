#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes large, realistic 6.18 ftrace `trace` text, deterministic for a seed:
/// dma-iommu scatter-gather maps (capped `dma_map_sg`, some ` [TRUNCATED]`)
/// preceded by their `iommu:map` lines, dma-direct maps, `dma_map_phys`,
/// matching unmaps with `iommu:unmap`, syncs, scheduler noise, `<stack trace>`
/// blocks and `[LOST N EVENTS]` markers. For benchmarks and tests.
///
/// A leaky driver (`leakPercent` > 0) never unmaps that share of its `dma_map_sg` and
/// `dma_map_phys` mappings; the allocators keep their addresses out of later mappings, so the
/// trace has leaks and no overlaps. `leakPercent` 0 gives the same bytes as before it existed.
public struct TraceGenerator: Sendable {
    /// Seed of the pseudo-random sequence (same seed, same bytes).
    public var seed: UInt64
    /// Stop after the first line that reaches this many bytes.
    public var targetBytes: UInt64
    /// Share (0–100) of the maps that are never unmapped.
    public var leakPercent: Double

    public init(seed: UInt64, targetBytes: UInt64, leakPercent: Double = 0) {
        self.seed = seed
        self.targetBytes = targetBytes
        self.leakPercent = leakPercent
    }

    /// What was written, to check a reader against.
    public struct Summary: Sendable, Equatable {
        public var bytes: UInt64 = 0
        public var lines = 0
        public var headerLines = 0
        /// DMA, IOMMU and sync event lines.
        public var dmaEvents = 0
        /// `sched_switch` / `sched_wakeup` lines.
        public var otherEvents = 0
        public var stackLines = 0
        public var lostMarkers = 0
        public var lostEvents: UInt64 = 0
        public var mapSG = 0
        public var truncatedMapSG = 0
        public var unmapSG = 0
        public var mapPhys = 0
        public var unmapPhys = 0
        public var iommuMaps = 0
        public var iommuUnmaps = 0
        public var syncs = 0
        /// Maps never unmapped by choice (`leakPercent`).
        public var leaked = 0
        /// Maps still live at the end that would have been unmapped later (not leaked).
        public var inFlightAtEnd = 0
    }

    /// Streams the trace to `sink` in chunks of a few MiB.
    public func generate(_ sink: @escaping (UnsafeRawBufferPointer) throws -> Void) throws -> Summary {
        let writer = TextWriter(sink: sink)
        var state = GeneratorState(seed: seed, leakPercent: leakPercent, writer: writer)
        try state.header()
        while writer.bytesWritten < targetBytes {
            try state.step()
        }
        state.finish()
        try writer.flush()
        state.summary.bytes = writer.bytesWritten
        return state.summary
    }

    /// Writes the trace to `path` (`-` for standard output).
    public func write(toPath path: String) throws -> Summary {
        let fd: Int32 = path == "-" ? 1 : open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw GeneratorError(message: "\(path): \(String(cString: strerror(errno)))") }
        defer { if path != "-" { close(fd) } }
        return try generate { chunk in
            var offset = 0
            while offset < chunk.count {
                let n = Glibc.write(fd, chunk.baseAddress! + offset, chunk.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw GeneratorError(message: "\(path): \(String(cString: strerror(errno)))")
                }
                offset += n
            }
        }
    }
}

/// A failure to write a generated trace.
public struct GeneratorError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// SplitMix64: small, fast and fully deterministic.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
    /// Uniform in `0..<n`.
    mutating func below(_ n: UInt64) -> UInt64 { next() % n }
}
