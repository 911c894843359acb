import SGModel

/// The stable finding kinds of CONTRACTS.md.
public enum FindingKind: String, Sendable, Hashable, Codable, CaseIterable {
    case doubleOffset = "double-offset"
    case zeroLength = "zero-length"
    case overlapInList = "overlap-in-list"
    case overlapLive = "overlap-live"
    case overlapP2PIOVA = "overlap-p2p-iova"
    case segmentBoundary = "segment-boundary"
    case maxSegmentSize = "max-segment-size"
    case dmaMask = "dma-mask"
    case offsetNotPreserved = "offset-not-preserved"
    case modelMismatch = "model-mismatch"
    case unmapNentsMismatch = "unmap-nents-mismatch"
    case unmapDirMismatch = "unmap-dir-mismatch"
    case unmapUnknown = "unmap-unknown"
    case unmapSizeMismatch = "unmap-size-mismatch"
    case doubleUnmap = "double-unmap"
    case leak
    case syncUnmapped = "sync-unmapped"
    case syncDirMismatch = "sync-dir-mismatch"
    case syncNentsMismatch = "sync-nents-mismatch"
    case p2pUnreachableMapped = "p2p-unreachable-mapped"
    case flagBitCollision = "flag-bit-collision"
    case faultAfterUnmap = "fault-after-unmap"
    case mapError = "map-error"
}

/// `error`, `warning` or `info` (CONTRACTS.md).
public enum Severity: String, Sendable, Hashable, Codable, Comparable, CaseIterable {
    case info, warning, error

    private var rank: Int {
        switch self {
        case .info: return 0
        case .warning: return 1
        case .error: return 2
        }
    }
    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}

/// `definite` (every consistent reconstruction shows it) or `possible`.
public enum Confidence: String, Sendable, Hashable, Codable {
    case definite, possible
}

/// What a picture of a finding needs: the input entries, the reference
/// model's output, the observed output, and which segments are at fault.
public struct FindingEvidence: Sendable, Hashable {
    /// Reconstructed (or shown) input entries.
    public var inputs: [ScatterEntry]
    /// Output the reference model computes for them (empty when not computed).
    public var expected: [DMASegment]
    /// Output the trace shows.
    public var observed: [DMASegment]
    /// Indices into `observed` of the offending segments.
    public var offendingObserved: [Int]
    /// Other ranges involved (the live mapping hit by an overlap, a fault address…).
    public var relatedRanges: [AddressRange]

    public init(inputs: [ScatterEntry] = [], expected: [DMASegment] = [], observed: [DMASegment] = [], offendingObserved: [Int] = [], relatedRanges: [AddressRange] = []) {
        self.inputs = inputs
        self.expected = expected
        self.observed = observed
        self.offendingObserved = offendingObserved
        self.relatedRanges = relatedRanges
    }
}

/// A half-open address range `[start, start + length)` with a label.
public struct AddressRange: Sendable, Hashable {
    public var start: UInt64
    public var length: UInt64
    public var label: String
    public init(start: UInt64, length: UInt64, label: String) {
        self.start = start
        self.length = length
        self.label = label
    }
    public var end: UInt64 { start &+ length }
}

/// One finding: one row of `findings.csv`.
public struct Finding: Sendable, Hashable {
    /// Stable id within a run (`F000001`), assigned in (file, line, kind) order.
    public var id: String
    public var kind: FindingKind
    public var severity: Severity
    public var confidence: Confidence
    public var device: String
    /// Event time in seconds (or raw counter for counter clocks).
    public var time: Double
    /// Input file path as given.
    public var file: String
    /// 1-based line of the event the finding is about (CONTRACTS.md).
    public var line: Int
    /// Event name (`dma_map_sg`).
    public var event: String
    public var detail: String
    public var expected: String
    public var observed: String
    /// Call site `func+0xoff` when symbols or stacks were available.
    public var symbol: String
    /// Call site `file:line` when symbols were given; for differential
    /// replay, the candidate model that produced the finding.
    public var source: String
    public var evidence: FindingEvidence
    /// The inline chain of the call site's stack entry, innermost first
    /// (`helper file:line < function+0xoff file:line`), when the call site is in inlined code
    /// (`symbol` then names the inlined function); empty otherwise.
    public var callChain: String

    public init(id: String = "", kind: FindingKind, severity: Severity, confidence: Confidence, device: String, time: Double, file: String, line: Int, event: String, detail: String, expected: String = "", observed: String = "", symbol: String = "", source: String = "", evidence: FindingEvidence = FindingEvidence(), callChain: String = "") {
        self.id = id
        self.kind = kind
        self.severity = severity
        self.confidence = confidence
        self.device = device
        self.time = time
        self.file = file
        self.line = line
        self.event = event
        self.detail = detail
        self.expected = expected
        self.observed = observed
        self.symbol = symbol
        self.source = source
        self.evidence = evidence
        self.callChain = callChain
    }
}
