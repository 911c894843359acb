import SGModel
import SGSymbols

/// What one analysis run is given: the traces, the topology (already loaded),
/// the candidate model to diff against, a symbolizer and a kernel override.
public struct AnalyzerOptions: Sendable {
    /// Trace paths in order (`-` = standard input).
    public var traces: [String]
    public var topology: Topology
    /// Candidate model id (`sgreplay models`) for differential replay.
    public var candidate: String?
    /// Resolves raw stack addresses to `function+off` and `file:line`.
    public var symbolizer: (any AddressSymbolizer)?
    /// Overrides the topology's `kernel.release`.
    public var kernelRelease: KernelRelease?
    /// How many retired mappings are remembered for double-unmap / sync / fault matching.
    public var retiredCapacity: Int
    /// Which segment limits judge a device whose topology entry does not say (`--limits`).
    public var limits: LimitsPolicy
    /// Called with each `error` finding as soon as the replay makes it, on the replay's
    /// thread (a live session prints them while they happen); ids are given only at the end.
    public var onError: (@Sendable (Finding) -> Void)?
    /// When set, the rows of mappings.csv go here as they settle and the result keeps only
    /// a sample of them (``AnalysisResult/mappingsStreamed``): memory follows the live set.
    public var mappingRows: (any MappingRowSink)?
    /// Ingest (reading, decompression, framing, decoding) on a thread of its own, beside
    /// the replay (``SGIngest/TraceReader/readConcurrently(batchSize:queueDepth:_:)``);
    /// `false` runs both on the caller's thread. The results are the same either way.
    public var concurrentIngest: Bool = true

    public init(traces: [String], topology: Topology = Topology(), candidate: String? = nil, symbolizer: (any AddressSymbolizer)? = nil, kernelRelease: KernelRelease? = nil, retiredCapacity: Int = 16384, limits: LimitsPolicy = .given) {
        self.traces = traces
        self.topology = topology
        self.candidate = candidate
        self.symbolizer = symbolizer
        self.kernelRelease = kernelRelease
        self.retiredCapacity = retiredCapacity
        self.limits = limits
    }
}

/// Why an analysis could not start.
public enum AnalyzerError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownCandidate(String, available: [String])

    public var description: String {
        switch self {
        case .unknownCandidate(let id, let available):
            return "unknown candidate model '\(id)' (available: \(available.joined(separator: ", ")))"
        }
    }
}

/// The kernel era the replay models, and why.
public struct KernelChoice: Sendable, Hashable {
    public var release: KernelRelease
    public var reason: String

    /// `--kernel` override, else topology `kernel.release`, else current upstream.
    public init(override: KernelRelease?, topology: Topology) {
        if let override {
            release = override
            reason = "kernel release \(override) given on the command line"
        } else if let t = topology.kernelRelease {
            release = t
            reason = "kernel release \(t) from the topology file (kernel.release)"
        } else {
            release = .current
            reason = "no kernel release given: default is current upstream \(KernelRelease.current)"
        }
    }
}
