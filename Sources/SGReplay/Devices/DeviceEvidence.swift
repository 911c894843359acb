import SGModel

/// What the events of a trace have shown about one device so far.
struct DeviceEvidence: Sendable, Hashable {
    /// Mappings preceded by `iommu:map` runs of the same CPU and task.
    var mapsWithIOMMURuns = 0
    /// Mappings with fewer outputs than inputs (only dma-iommu merges).
    var mapsMerged = 0
    /// Mappings whose every output equals its phys (dma-direct, identity domain).
    var mapsIdentical = 0
    /// Mappings with IOVA-like outputs (`dma ≠ phys`, below 4 GiB) or merged outputs.
    var mapsTranslated = 0
    /// Lists whose outputs are all `phys − C` in a layout dma-iommu never
    /// produces (out of order, or two outputs in one granule): dma-direct.
    var mapsOutsideIOVALayout = 0
    /// Mappings on a direct-looking device whose outputs are elsewhere (bounced?).
    var mapsElsewhere = 0
    /// Alignment (largest power of two) common to every `iommu:map` IOVA and size; 0 = none seen.
    var runAlignment: UInt64 = 0
    /// Largest output segment or single mapping.
    var largestSegment: UInt64 = 0
    /// Highest DMA address used (last byte), outside P2P bus addresses.
    var highestAddress: UInt64 = 0
    /// `iommu:add_device_to_group`.
    var iommuGroup: Int?
    /// `swiotlb_bounced` events and their mode (`FORCE` seen).
    var bounces = 0
    var forcedBounce = false
    /// Lowest and highest byte of outputs that look bounced (direct device, dma ≠ phys, below 4 GiB).
    var bounceLow: UInt64 = .max
    var bounceHigh: UInt64 = 0
    /// `phys − dma` shared by every output of the unmerged, unbounced mappings
    /// so far (a dma-direct `dma_range_map`); broken once two differ.
    var rangeOffset: UInt64?
    var rangeOffsetMappings = 0
    var rangeOffsetBroken = false
    /// Outputs that bypass the IOMMU on a translated device: `dma − phys` → phys window.
    var busOffsets: [UInt64: ClosedRange<UInt64>] = [:]
    /// Mappings (no `iommu:map` runs, nothing merged) whose moved outputs no
    /// correct dma-iommu makes but swiotlb does: an output whose offset in its
    /// 4 KiB page differs from its phys (dma-iommu always keeps `iova_offset`)
    /// while swiotlb's rule holds (the bounce keeps `phys & min_align_mask` within
    /// a 2 KiB `IO_TLB_SIZE` slot: all of it or none), or two consecutive outputs
    /// of one unmerged list in one 4 KiB page (dma-iommu gives each its own
    /// granules; out-of-order outputs prove nothing: P2P bus addresses are elsewhere).
    var mapsSwiotlbShaped = 0
    /// The first such mapping, in words (for the device note).
    var swiotlbShape: String?
    /// Moved outputs swiotlb cannot make: longer than 256 KiB (`IO_TLB_SEGSIZE` × 2 KiB).
    var mapsBeyondSwiotlb = 0
    /// Lowest and highest byte of moved outputs on a device whose mapper was only
    /// guessed (checked against a swiotlb pool other devices showed).
    var movedLow: UInt64 = .max
    var movedHigh: UInt64 = 0
    /// The moved outputs lie in the swiotlb pool that the topology or other devices' bounces showed.
    var insideBouncePool = false

    /// The mapper class the evidence points to, if any.
    var inferredIOMMU: IOMMUMode? {
        if mapsWithIOMMURuns > 0 || mapsMerged > 0 { return .dma }
        if constantRangeOffset != nil || mapsOutsideIOVALayout > 0 { return IOMMUMode.none }
        if swiotlbShaped { return IOMMUMode.none }
        if mapsTranslated > mapsIdentical { return .dma }
        if mapsIdentical > 0 || mapsElsewhere > 0 { return IOMMUMode.none }
        return nil
    }

    /// Everything a device record decides from the evidence (not the counts its notes quote).
    var decisions: Decisions {
        Decisions(iommu: inferredIOMMU, swiotlbShaped: swiotlbShaped, swiotlbShape: swiotlbShape, mapperShown: mapperShown,
                  rangeOffset: constantRangeOffset, runAlignment: runAlignment, maskBits: maskBitsLowerBound,
                  largestSegment: largestSegment, bounced: bounces > 0, forcedBounce: forcedBounce, iommuGroup: iommuGroup,
                  runs: mapsWithIOMMURuns > 0, merged: mapsMerged > 0)
    }

    struct Decisions: Hashable {
        var iommu: IOMMUMode?
        var swiotlbShaped: Bool
        var swiotlbShape: String?
        var mapperShown: Bool
        var rangeOffset: UInt64?
        var runAlignment: UInt64
        var maskBits: Int?
        var largestSegment: UInt64
        var bounced: Bool
        var forcedBounce: Bool
        var iommuGroup: Int?
        var runs: Bool
        var merged: Bool
    }

    /// The moved outputs are swiotlb bounce slots, not IOVAs: some mapping has a
    /// shape only swiotlb makes and none has one swiotlb cannot make.
    var swiotlbShaped: Bool {
        mapsWithIOMMURuns == 0 && mapsMerged == 0 && mapsBeyondSwiotlb == 0 && (mapsSwiotlbShaped > 0 || insideBouncePool)
    }

    /// True when the mapper was shown (iommu:map runs, merged outputs, outputs equal
    /// to phys, swiotlb_bounced events) rather than guessed from the outputs' shape.
    var mapperShown: Bool {
        mapsWithIOMMURuns > 0 || mapsMerged > 0 || bounces > 0 || (mapsIdentical > 0 && mapsTranslated == 0 && mapsElsewhere == 0)
    }

    /// A nonzero `phys − dma` seen unchanged over at least two mappings (IOVAs never are).
    var constantRangeOffset: UInt64? {
        guard !rangeOffsetBroken, rangeOffsetMappings >= 2, let rangeOffset, rangeOffset != 0 else { return nil }
        return rangeOffset
    }

    /// Granule from run alignment (never above the page size).
    func inferredGranule(pageSize: UInt64) -> UInt64? {
        runAlignment == 0 ? nil : min(runAlignment, pageSize)
    }

    /// Bits needed to address `highestAddress` (a lower bound on the mask width).
    var maskBitsLowerBound: Int? {
        highestAddress == 0 ? nil : 64 - highestAddress.leadingZeroBitCount
    }

    mutating func noteRun(_ run: (iova: UInt64, size: UInt64)) {
        let bits = (run.iova | run.size)
        guard bits != 0 else { return }
        let alignment = UInt64(1) << UInt64(bits.trailingZeroBitCount)
        runAlignment = runAlignment == 0 ? alignment : min(runAlignment, alignment)
    }

    mutating func noteOutput(address: UInt64, length: UInt64) {
        largestSegment = max(largestSegment, length)
        if length > 0 { highestAddress = max(highestAddress, address &+ length &- 1) }
    }
}
