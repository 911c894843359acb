import SGIngest
import SGModel

/// One reconstructed mapping: a row of `mappings.csv`.
public struct MappingRecord: Sendable, Hashable {
    public var mapFile: String
    public var mapLine: Int
    /// Nil while never unmapped in the trace.
    public var unmapLine: Int?
    public var device: String
    public var direction: String
    public var nents: Int
    public var ents: Int
    public var firstDMA: UInt64
    public var totalLength: UInt64
    public var timeMap: Double
    public var timeUnmap: Double?
    /// True when the input list was reconstructed uniquely.
    public var exact: Bool
    public var inputs: [ScatterEntry]
    public var outputs: [DMASegment]

    public init(mapFile: String, mapLine: Int, unmapLine: Int? = nil, device: String, direction: String, nents: Int, ents: Int, firstDMA: UInt64, totalLength: UInt64, timeMap: Double, timeUnmap: Double? = nil, exact: Bool, inputs: [ScatterEntry] = [], outputs: [DMASegment] = []) {
        self.mapFile = mapFile
        self.mapLine = mapLine
        self.unmapLine = unmapLine
        self.device = device
        self.direction = direction
        self.nents = nents
        self.ents = ents
        self.firstDMA = firstDMA
        self.totalLength = totalLength
        self.timeMap = timeMap
        self.timeUnmap = timeUnmap
        self.exact = exact
        self.inputs = inputs
        self.outputs = outputs
    }
}

/// Where a device property came from (`devices.csv` `source`).
public enum PropertySource: String, Sendable, Hashable, Codable {
    case topology, inferred
}

/// A device as the analysis sees it: a row of `devices.csv`.
public struct DeviceRecord: Sendable, Hashable {
    public var properties: DeviceProperties
    /// `pci`, `platform`, … (from the name's shape).
    public var kind: String
    public var source: PropertySource
    /// IOMMU group when known.
    public var iommuGroup: Int?
    /// Per-property notes (`max_segment_size >= 0x80000 (largest seen)`).
    public var notes: [String]
    /// The mapper in ``properties`` when it was only inferred from the shape of
    /// the outputs (no topology, no `iommu:map`, `swiotlb:*` or merged outputs to
    /// show it), in words: findings that depend on it name it and are never definite.
    public var mapperAssumption: String?
    /// Limits the trace only bounds from below (no topology value): what `sgreplay devices`
    /// and `devices.csv` show as `>=32`, `>=0x80000`.
    public var inferredBounds = InferredBounds()

    public init(properties: DeviceProperties, kind: String, source: PropertySource, iommuGroup: Int? = nil, notes: [String] = []) {
        self.properties = properties
        self.kind = kind
        self.source = source
        self.iommuGroup = iommuGroup
        self.notes = notes
    }
}

/// Everything one `analyze` run produced; what the reports render.
public struct AnalysisResult: Sendable {
    public var traces: [String]
    public var input: InputAccounting
    public var kernel: KernelRelease
    /// Model used and why (`reference 6.18 (default)`, `reference 6.1 (topology kernel.release)`).
    public var model: String
    public var modelReason: String
    public var candidate: String?
    public var devices: [DeviceRecord]
    public var mappings: [MappingRecord]
    public var findings: [Finding]
    /// Findings suppressed or downgraded because of lost events.
    public var suppressedByLostEvents: Int
    public var downgradedByLostEvents: Int
    /// Wall-clock seconds per stage (`ingest`, `replay`, `reports`).
    public var timings: [String: Double]
    /// Per-kind explanations from the checks; reports prefer them to their own wording.
    public var kindExplanations: [FindingKind: String] = [:]
    /// How many maps went through the reference model, and how many it reproduced.
    public var modelReplay = ModelReplayCounts()
    /// Mappings still live when a signal stopped the input: not leaks yet, so not reported as such.
    public var liveAtInterruption = 0
    /// Counts over every mapping (``mappings`` may hold only a sample).
    public var mappingTotals = MappingTotals()
    /// True when the rows went to ``AnalyzerOptions/mappingRows`` and ``mappings`` is a sample
    /// (the first rows of each device).
    public var mappingsStreamed = false
    /// Why the row sink stopped taking rows, if it did.
    public var mappingSinkError: String?
    /// What the run could and could not look at (DMA events, devices against the topology, limit checks).
    public var coverage = AnalysisCoverage()
    /// Why the run is not to be trusted (no `dma:*` events, topology devices absent from the trace…),
    /// set by the caller's policy; empty for a run that analysed something. `summary.json` reports
    /// `status: not-analysed` when it is not empty.
    public var problems: [String] = []

    public init(traces: [String], input: InputAccounting, kernel: KernelRelease, model: String, modelReason: String, candidate: String? = nil, devices: [DeviceRecord], mappings: [MappingRecord], findings: [Finding], suppressedByLostEvents: Int = 0, downgradedByLostEvents: Int = 0, timings: [String: Double] = [:]) {
        self.traces = traces
        self.input = input
        self.kernel = kernel
        self.model = model
        self.modelReason = modelReason
        self.candidate = candidate
        self.devices = devices
        self.mappings = mappings
        self.findings = findings
        self.suppressedByLostEvents = suppressedByLostEvents
        self.downgradedByLostEvents = downgradedByLostEvents
        self.timings = timings
    }
}

/// The reference model against the trace: `dma_map_sg` lists reconstructed
/// exactly (`exact` of `maps`, `truncated` ones never) on devices whose mapper the topology states are
/// replayed through the model (`replayed`); `reproduced` gave exactly the
/// traced outputs and count (under the stated limits, or under limits learned
/// when the driver changed them at run time). The first lines that differed
/// are kept to look at.
public struct ModelReplayCounts: Sendable, Hashable, Codable {
    public var maps = 0
    /// Maps printed in the capped form with `[TRUNCATED]`: never exact.
    public var truncated = 0
    public var exact = 0
    public var replayed = 0
    public var reproduced = 0
    public var firstDiffering: [Int] = []
    public init() {}

    /// Counts one replayed map.
    mutating func count(_ expected: MapOutcome, _ event: MapSGEvent, line: Int) {
        replayed += 1
        if LimitDriftDetector.reproduces(expected, event) {
            reproduced += 1
        } else if firstDiffering.count < 10 {
            firstDiffering.append(line)
        }
    }
}
