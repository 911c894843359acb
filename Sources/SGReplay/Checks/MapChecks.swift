import SGModel

/// Runs the map-time checks on one observation in order of specificity: a
/// segment claimed by a specific kind (double-offset) is not reported again by
/// a general one (offset-not-preserved, model-mismatch); a live range hit by a
/// P2P bus range is overlap-p2p-iova, not also overlap-live.
enum MapChecks {
    static func run(_ o: MapObservation, tracker: MappingTracker, hazards: HazardTracker, domain: String, single: Bool, downgraded: inout Int) -> [Finding] {
        var findings: [Finding] = []
        findings += P2PUnreachableMappedCheck.inspect(o)
        findings += ZeroLengthCheck.inspect(o)
        let (doubleOffsets, claimed) = DoubleOffsetCheck.inspect(o)
        findings += doubleOffsets
        findings += OffsetNotPreservedCheck.inspect(o, claimed: claimed)
        let p2p = OverlapP2PIOVACheck.inspect(o, tracker: tracker, domain: domain)
        findings += p2p
        if !single {
            findings += OverlapInListCheck.inspect(o)
            findings += SegmentBoundaryCheck.inspect(o)
            findings += MaxSegmentSizeCheck.inspect(o)
        }
        findings += DMAMaskCheck.inspect(o)
        var bounce: [ClosedOpenRange] = [], direct: [ClosedOpenRange] = []
        for j in 0..<o.outputCount where o.event.dmaLengths[j] > 0 {
            switch o.roles[j] {
            case .bounce: bounce.append(o.byteRange(j))
            case .direct: direct.append(o.byteRange(j))
            default: break
            }
        }
        if p2p.isEmpty {
            let (live, down) = OverlapLiveCheck.inspect(o, tracker: tracker, hazards: hazards, domain: domain, bounceRanges: bounce, directRanges: direct)
            findings += live
            downgraded += down
        }
        if !single {
            findings += ModelMismatchCheck.inspect(o, otherFindings: findings.contains { $0.severity >= .warning })
        }
        if let assumption = o.mapperAssumption {
            findings = findings.map { dependsOnMapper($0.kind) ? $0.assuming(mapper: assumption) : $0 }
        }
        return findings
    }

    /// Kinds whose verdict rests on which mapper made the outputs (IOVA layout and
    /// reuse rules, slot rules, offsets kept, the model's replay). Limits and masks
    /// judge the outputs whatever made them.
    static func dependsOnMapper(_ kind: FindingKind) -> Bool {
        switch kind {
        case .dmaMask, .segmentBoundary, .maxSegmentSize: return false
        default: return true
        }
    }
}

extension Finding {
    /// A finding that holds only if the guessed mapper is the real one: never
    /// definite, never an error, and it says what it assumed.
    func assuming(mapper assumption: String) -> Finding {
        downgraded(because: "assumes the mapper is \(assumption): state the device's \"iommu\" in a topology file, or record iommu:* and swiotlb:* events, to decide")
    }
}

/// Which kind of mapper made a device's outputs, as far as the replay knows.
enum MapperClass: String, Sendable, Hashable {
    case iommu = "dma-iommu"
    case swiotlb = "swiotlb"
    case direct = "dma-direct"

    init(_ p: DeviceProperties, translated: Bool) {
        self = translated || p.iommu.isTranslated ? .iommu : p.swiotlb == .force ? .swiotlb : .direct
    }
}

extension MapObservation {
    /// What the model cannot predict, taken from the trace: the IOVA base and the bounce slots.
    var modelContext: MapContext {
        var bounces: [Int: UInt64] = [:]
        for j in 0..<outputCount {
            if case .bounce(let i) = roles[j] { bounces[i] = event.dmaAddresses[j] }
        }
        var base = reconstruction?.iovaBase
        if base == nil, translated, let first = (0..<outputCount).first(where: { !isBus($0) }) {
            base = iommuRuns.first?.iova ?? (event.dmaAddresses[first] & ~(granule - 1))
        }
        return MapContext(iovaBase: base, bounceAddresses: bounces, p2pWindows: windows, swiotlbPool: pool)
    }
}
