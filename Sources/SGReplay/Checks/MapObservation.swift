import SGIngest
import SGModel

/// Which device parameters came from the topology file (only those can make a
/// limit finding `definite`; inferred ones are bounds learned from the trace).
public struct KnownParameters: Sendable, Hashable {
    public var iommu = false
    public var maxSegmentSize = false
    public var segmentBoundary = false
    public var dmaMask = false
    public var minAlignMask = false
    public var granule = false
    public var p2pProviders = false
    /// The trace showed the topology's segment limits no longer hold; the ones in use were learned.
    public var limitsLearned = false

    public init() {}

    /// Derives the flags from a topology's device entry.
    public init(_ overrides: DeviceOverrides?, topology: Topology) {
        iommu = overrides?.iommu != nil
        maxSegmentSize = overrides?.maxSegmentSize != nil
        segmentBoundary = overrides?.segmentBoundaryMask != nil
        dmaMask = overrides?.dmaMaskBits != nil
        minAlignMask = overrides?.minAlignMask != nil
        granule = overrides?.iovaGranule != nil
        p2pProviders = !topology.p2pWindows.isEmpty
    }

    /// Enough to replay a list through the model and call a difference definite.
    public var modelParameters: Bool { iommu && maxSegmentSize && segmentBoundary }
}

/// What each output segment of a map event is.
public enum OutputRole: Sendable, Hashable {
    /// An IOVA (dma-iommu).
    case iova
    /// A P2PDMA bus address for input `entry`.
    case bus(entry: Int, window: P2PWindow)
    /// A swiotlb bounce slot (dma-direct) for input `entry`.
    case bounce(entry: Int)
    /// dma-direct: the input's own DMA address.
    case direct(entry: Int)
}

/// One `dma_map_sg` (or single map, as a one-entry list) with everything the
/// map-time checks need: the device as known, the `iommu:map` runs that
/// preceded it on the same CPU/task, bounce hints, P2P windows and the
/// reconstruction.
public struct MapObservation: Sendable {
    public var reference: EventReference
    public var event: MapSGEvent
    public var device: DeviceProperties
    public var known: KnownParameters
    /// True when dma-iommu translated the mapping.
    public var translated: Bool
    public var iommuRuns: [IOMMUMapEvent]
    /// Phys addresses named by `swiotlb_bounced` just before (same CPU/task).
    public var bouncedPhys: Set<UInt64>
    public var windows: [P2PWindow]
    public var pool: SwiotlbPool?
    public var release: KernelRelease
    public var reconstruction: Reconstruction?
    /// Reference model output for the reconstruction, when computed.
    public var expected: MapOutcome?
    /// True for single mappings (`dma_map_phys`) seen as a one-entry list.
    public var isSingle: Bool
    /// Limits (other than the topology's) under which the model reproduces this map:
    /// the device's limits look changed at run time. Findings still use the stated ones.
    public var limitChange: LearnedLimits?
    /// The mapper this observation assumes when nothing stated or showed it
    /// (`dma-iommu (inferred: …)`); findings that depend on it are only possible warnings.
    public var mapperAssumption: String?
    /// Role of each shown output.
    public private(set) var roles: [OutputRole] = []

    public init(reference: EventReference, event: MapSGEvent, device: DeviceProperties, known: KnownParameters, translated: Bool, iommuRuns: [IOMMUMapEvent], bouncedPhys: Set<UInt64>, windows: [P2PWindow], pool: SwiotlbPool?, release: KernelRelease, reconstruction: Reconstruction? = nil, expected: MapOutcome? = nil, isSingle: Bool = false) {
        self.reference = reference
        self.event = event
        self.device = device
        self.known = known
        self.translated = translated
        self.iommuRuns = iommuRuns
        self.bouncedPhys = bouncedPhys
        self.windows = windows
        self.pool = pool
        self.release = release
        self.reconstruction = reconstruction
        self.expected = expected
        self.isSingle = isSingle
        roles = classify()
    }

    public var granule: UInt64 { max(1, device.iovaGranule) }
    public var pageSize: UInt64 { max(1, device.pageSize) }
    /// `lo(x)`: the part of the sg offset the trace can see.
    public func lo(_ phys: UInt64) -> UInt64 { phys & (pageSize - 1) }

    /// Output `j` as a segment.
    public func output(_ j: Int) -> DMASegment {
        DMASegment(address: event.dmaAddresses[j], length: event.dmaLengths[j], isBusAddress: isBus(j))
    }
    public var outputs: [DMASegment] { event.dmaAddresses.indices.map(output) }
    public var outputCount: Int { min(event.dmaAddresses.count, event.dmaLengths.count) }
    public var inputs: [ScatterEntry] {
        reconstruction?.inputs ?? event.physAddresses.map { ScatterEntry(phys: $0, length: 0, pageSize: pageSize) }
    }

    public func isBus(_ j: Int) -> Bool {
        if case .bus = roles[j] { return true }
        return false
    }

    /// The P2P window holding `phys`, with the client's map type (nil type: topology silent).
    public func window(for phys: UInt64) -> (window: P2PWindow, type: P2PMapType?)? {
        guard let w = windows.first(where: { $0.contains(phys) }) else { return nil }
        return (w, device.p2pMapTypes[w.provider])
    }

    /// True when output address `a` lies in the swiotlb pool or `phys` was named by `swiotlb_bounced`.
    /// An output that is exactly the direct translation of its phys never is:
    /// a bounce slot is other memory (an inferred pool may cover range-offset outputs).
    public func isBounced(address a: UInt64, phys: UInt64) -> Bool {
        if a == phys &- device.dmaRangeOffset { return false }
        if let pool, pool.contains(a) { return true }
        return bouncedPhys.contains(phys)
    }

    private func classify() -> [OutputRole] {
        let count = outputCount
        var roles = [OutputRole](repeating: .iova, count: count)
        let phys = event.physAddresses
        if !translated {
            for j in 0..<count {
                guard j < phys.count else { roles[j] = .direct(entry: j); continue }
                if let (w, type) = window(for: phys[j]), type != .thruHostBridge {
                    roles[j] = .bus(entry: j, window: w)
                } else if isBounced(address: event.dmaAddresses[j], phys: phys[j]) {
                    roles[j] = .bounce(entry: j)
                } else {
                    roles[j] = .direct(entry: j)
                }
            }
            return roles
        }
        // dma-iommu: a P2P input (bus-addr or unknown path) owns the output whose
        // address is its bus address, possibly shifted by its own offset (the
        // double-offset signature); match them in order.
        // A host-bridge pair should get an IOVA; if its output is nevertheless its bus
        // address (and no iommu:map covers it) it is a bus output, contrary to the topology.
        var next = 0
        for (i, p) in phys.enumerated() {
            guard let (w, _) = window(for: p) else { continue }
            let bus = p &+ w.busOffset
            let candidates = [bus, bus &+ lo(p), p &- w.busOffset, p &+ lo(p) &- w.busOffset]
            if let j = (next..<count).first(where: { candidates.contains(event.dmaAddresses[$0]) && !covered(event.dmaAddresses[$0]) }) {
                roles[j] = .bus(entry: i, window: w)
                next = j + 1
            }
        }
        return roles
    }

    /// True when an `iommu:map` run of this call covers `address`.
    private func covered(_ address: UInt64) -> Bool {
        iommuRuns.contains { address >= $0.iova && address - $0.iova < $0.size }
    }

    /// IOVA span of the mapping: granule-expanded from the first IOVA output to
    /// the end of the last IOVA output with a non-zero length.
    public var iovaSpan: ClosedOpenRange? {
        guard translated else { return nil }
        let iova = (0..<outputCount).filter { !isBus($0) }
        guard let first = iova.first, let last = iova.last(where: { event.dmaLengths[$0] > 0 }) else { return nil }
        let g = granule
        let start = event.dmaAddresses[first] & ~(g - 1)
        let end = alignUp(event.dmaAddresses[last] &+ UInt64(event.dmaLengths[last]), g)
        return end > start ? ClosedOpenRange(start: start, end: end) : nil
    }

    /// `[align_down(a, G), align_up(a + l, G))` of output `j`.
    public func granuleRange(_ j: Int) -> ClosedOpenRange {
        let g = granule
        let a = event.dmaAddresses[j]
        return ClosedOpenRange(start: a & ~(g - 1), end: alignUp(a &+ UInt64(event.dmaLengths[j]), g))
    }

    public func byteRange(_ j: Int) -> ClosedOpenRange {
        ClosedOpenRange(start: event.dmaAddresses[j], end: event.dmaAddresses[j] &+ UInt64(event.dmaLengths[j]))
    }

    /// True when an output is a bounce slot for memory the device could have reached
    /// directly (only forced bouncing does that).
    public var bouncesReachableMemory: Bool {
        (0..<outputCount).contains { j in
            guard case .bounce(let i) = roles[j], i < event.physAddresses.count else { return false }
            let direct = event.physAddresses[i] &- device.dmaRangeOffset
            return direct &+ UInt64(max(event.dmaLengths[j], 1)) &- 1 <= device.addressLimit
        }
    }

    /// True when the input `phys[0]` is a P2P page (then output 0 is a bus address, not an IOVA).
    public var firstInputIsP2P: Bool {
        guard let p = event.physAddresses.first, let (_, type) = window(for: p) else { return false }
        return type != .thruHostBridge
    }

    /// Confidence from the reconstruction (exact → definite).
    public var reconstructionConfidence: Confidence {
        (reconstruction?.exact ?? false) && !event.truncated ? .definite : .possible
    }
}

