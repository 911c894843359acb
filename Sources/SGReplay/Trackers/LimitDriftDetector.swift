import SGIngest
import SGModel

/// Notices when a device's segment limits are no longer those of the topology.
///
/// Drivers (and test harnesses) change `max_seg_size` and the segment boundary
/// at run time (`dma_set_max_seg_size`, `dma_set_seg_boundary`); a topology file
/// records one moment. When the reference model, fed an exactly reconstructed
/// list, disagrees with the trace and some other pair of limits reproduces the
/// trace exactly, the limits look changed. What follows depends on the device's
/// ``LimitsPolicy``: with `given` (the default) the topology's limits still judge
/// every output and the learned pair only explains the difference (in the
/// finding's words, and instead of a model-mismatch); with `learned` the pair
/// is used from then on, as inferred limits (no definite limit finding).
public struct LimitDriftDetector: Sendable {
    /// Limits learned per device, with the line that taught them.
    public private(set) var learned: [String: LearnedLimits] = [:]

    public init() {}

    /// The limits learned for `device`, if any.
    public func limits(for device: String) -> LearnedLimits? {
        learned[device]
    }

    /// True when `outcome` gives exactly the shown outputs and counts of `event`.
    public static func reproduces(_ outcome: MapOutcome, _ event: MapSGEvent) -> Bool {
        guard case .mapped(let r) = outcome, r.segments.count == event.fullEnts else { return false }
        let shown = min(event.dmaAddresses.count, event.dmaLengths.count)
        return (0..<shown).allSatisfy { r.segments[$0].address == event.dmaAddresses[$0] && r.segments[$0].length == event.dmaLengths[$0] }
    }

    /// Searches limits that reproduce `event` from `inputs`; records and returns them.
    public mutating func relearn(_ event: MapSGEvent, inputs: [ScatterEntry], device: DeviceProperties, model: any SGMapperModel, release: KernelRelease, context: MapContext, line: Int) -> LearnedLimits? {
        var sizes = Set<UInt32>((9...31).map { UInt32(1) << UInt32($0) })
        sizes.insert(.max)
        for k in 1...32 { sizes.insert(UInt32(k) * 0x1000) }
        for l in event.dmaLengths where l > 0 { sizes.insert(l) }
        var masks = (12...40).map { (UInt64(1) << UInt64($0)) - 1 }
        masks.append(.max)
        let orderedSizes = [device.maxSegmentSize] + sizes.sorted().filter { $0 != device.maxSegmentSize }
        // Loosest explanation first: the current mask, then wider ones.
        let orderedMasks = [device.segmentBoundaryMask] + masks.reversed().filter { $0 != device.segmentBoundaryMask }
        for mask in orderedMasks {
            for size in orderedSizes {
                var p = device
                p.maxSegmentSize = size
                p.segmentBoundaryMask = mask
                if Self.reproduces(model.mapSG(inputs, device: p, release: release, context: context), event) {
                    let limits = LearnedLimits(maxSegmentSize: size, boundaryMask: mask, line: line)
                    learned[device.name] = limits
                    return limits
                }
            }
        }
        return nil
    }
}

/// Segment limits under which the reference model reproduces a trace's map exactly.
public struct LearnedLimits: Sendable, Hashable {
    public var maxSegmentSize: UInt32
    public var boundaryMask: UInt64
    /// The line of the map that taught them.
    public var line: Int

    /// The pair applied to a device.
    public func applied(to device: DeviceProperties) -> DeviceProperties {
        var p = device
        p.maxSegmentSize = maxSegmentSize
        p.segmentBoundaryMask = boundaryMask
        return p
    }

    /// What the learned pair says about a finding judged with the stated limits.
    public var explanation: String {
        "the trace is reproduced exactly with max_segment_size \(hex(UInt64(maxSegmentSize))) and segment_boundary_mask \(hex(boundaryMask)) (learned at line \(line)): the limits look changed at run time (dma_set_max_seg_size / dma_set_seg_boundary after probe, common in test modules); judged against the topology's limits as stated (--limits learned judges with the learned ones)"
    }
}
