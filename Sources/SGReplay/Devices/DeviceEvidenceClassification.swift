import SGIngest
import SGModel

extension DeviceEvidence {
    /// Learns from one `dma_map_sg`: which mapper made it, how large and how
    /// high its outputs are, where bounced or bus-address outputs sit.
    mutating func classify(_ e: MapSGEvent, runs: [IOMMUMapEvent], bounced: Bool) {
        let m = min(e.dmaAddresses.count, e.dmaLengths.count)
        let n = e.physAddresses.count
        for run in runs { noteRun((run.iova, run.size)) }
        let identical = n == m && m > 0 && (0 ..< m).allSatisfy { e.dmaAddresses[$0] == e.physAddresses[$0] }
        let merged = e.fullEnts < e.fullNents
        // Every output phys − C (or phys itself: P2P bus addresses with bus
        // offset 0) with the shifted ones in a layout dma-iommu never produces
        // (out of order, or two in one granule): dma-direct with a DMA range offset.
        let shifted = n == m ? (0 ..< m).filter { e.dmaAddresses[$0] != e.physAddresses[$0] } : []
        let offsetImage = shifted.count >= 2 && shifted.allSatisfy { e.physAddresses[$0] &- e.dmaAddresses[$0] == e.physAddresses[shifted[0]] &- e.dmaAddresses[shifted[0]] }
        let notIOVALayout = offsetImage && !IOVALayoutCheck(addresses: shifted.map { e.dmaAddresses[$0] }, lengths: shifted.map { UInt64(e.dmaLengths[$0]) }, granule: 4096).outOfOrder().isEmpty
        if runs.isEmpty, !merged, !identical, !offsetImage, n == m {
            noteMoved(addresses: shifted.map { e.dmaAddresses[$0] }, lengths: shifted.map { UInt64(e.dmaLengths[$0]) }, phys: shifted.map { e.physAddresses[$0] })
        }
        let translated = !runs.isEmpty || merged || (!identical && !bounced && m > 0 && inferredIOMMU != IOMMUMode.none && !notIOVALayout)
        if runs.isEmpty, !merged, !identical, !bounced, n == m, m > 0 { noteRangeOffsets(e, count: m) }
        var outOfLayout: Set<Int> = []
        if translated, n == m {
            for problem in IOVALayoutCheck(addresses: Array(e.dmaAddresses.prefix(m)), lengths: e.dmaLengths.prefix(m).map { UInt64($0) }, granule: 4096).outOfOrder() {
                outOfLayout.insert(problem)
            }
        }
        for j in 0 ..< m {
            let a = e.dmaAddresses[j], l = UInt64(e.dmaLengths[j])
            if outOfLayout.contains(j) {
                noteBusAddress(phys: e.physAddresses[j], dma: a, length: l)
                largestSegment = max(largestSegment, l)
                continue
            }
            noteOutput(address: a, length: l)
            let rangeOffsetImage = offsetImage || (constantRangeOffset.map { e.physAddresses[j] &- a == $0 } ?? false)
            if !translated, j < n, a != e.physAddresses[j], a < 1 << 32, !rangeOffsetImage { noteBounce(a, l) }
        }
        if notIOVALayout { mapsOutsideIOVALayout += 1 }
        if !runs.isEmpty { mapsWithIOMMURuns += 1 } else if merged { mapsMerged += 1 } else if translated { mapsTranslated += 1 } else if identical { mapsIdentical += 1 } else { mapsElsewhere += 1 }
    }

    /// Weighs swiotlb against dma-iommu for the moved outputs (dma ≠ phys) of a
    /// mapping made without `iommu:map` runs and without merging.
    private mutating func noteMoved(addresses: [UInt64], lengths: [UInt64], phys: [UInt64]) {
        var shape: String?
        var beyond = false
        var previousEnd: UInt64?
        for k in addresses.indices where lengths[k] > 0 {
            let a = addresses[k], p = phys[k], l = lengths[k]
            movedLow = min(movedLow, a)
            movedHigh = max(movedHigh, a &+ l &- 1)
            if l > Self.swiotlbMaxMapping { beyond = true }
            // dma-iommu keeps the whole offset in the 4 KiB granule; a bounce keeps
            // phys & min_align_mask inside its 2 KiB slot (all 11 bits, or none).
            if shape == nil, a & 0xfff != p & 0xfff, a & 0x7ff == 0 || a & 0x7ff == p & 0x7ff {
                shape = "output \(hex(a)) does not keep the page offset of phys \(hex(p)) but sits on a 2 KiB swiotlb slot"
            }
            if shape == nil, let end = previousEnd, a >> 12 == (end &- 1) >> 12 {
                shape = "two outputs of one unmerged list share a 4 KiB page (\(hex(a)) after one ending at \(hex(end)))"
            }
            previousEnd = a &+ l
        }
        if beyond { mapsBeyondSwiotlb += 1 }
        if let shape {
            mapsSwiotlbShaped += 1
            if swiotlbShape == nil { swiotlbShape = shape }
        }
    }

    /// The longest mapping swiotlb can bounce: `IO_TLB_SEGSIZE` (128) slots of `IO_TLB_SIZE` (2 KiB).
    static let swiotlbMaxMapping: UInt64 = 128 * 2048

    /// Learns from one successful `dma_map_phys`/`_page`/`_resource`.
    mutating func classifySingle(phys: UInt64, dma: UInt64, size: UInt64, runs: [IOMMUMapEvent], bounced: Bool, mmio: Bool) {
        for run in runs { noteRun((run.iova, run.size)) }
        if runs.isEmpty, dma != phys, !mmio, constantRangeOffset.map({ phys &- dma != $0 }) ?? true {
            noteMoved(addresses: [dma], lengths: [size], phys: [phys])
        }
        noteOutput(address: dma, length: size)
        if !runs.isEmpty {
            mapsWithIOMMURuns += 1
        } else if dma == phys {
            if !mmio { mapsIdentical += 1 }
        } else if bounced || inferredIOMMU == IOMMUMode.none {
            mapsElsewhere += 1
            if dma < 1 << 32 { noteBounce(dma, size) }
        } else {
            mapsTranslated += 1
        }
    }

    private mutating func noteRangeOffsets(_ e: MapSGEvent, count m: Int) {
        let offset = e.physAddresses[0] &- e.dmaAddresses[0]
        guard (1 ..< m).allSatisfy({ e.physAddresses[$0] &- e.dmaAddresses[$0] == offset }), rangeOffset == nil || rangeOffset == offset else {
            rangeOffsetBroken = true
            return
        }
        rangeOffset = offset
        rangeOffsetMappings += 1
    }

    private mutating func noteBounce(_ address: UInt64, _ length: UInt64) {
        bounceLow = min(bounceLow, address)
        bounceHigh = max(bounceHigh, address &+ max(length, 1) &- 1)
    }

    private mutating func noteBusAddress(phys: UInt64, dma: UInt64, length: UInt64) {
        let offset = dma &- phys
        let (last, overflow) = phys.addingReportingOverflow(max(length, 1) - 1)
        guard !overflow else { return }
        if let r = busOffsets[offset] {
            busOffsets[offset] = min(r.lowerBound, phys) ... max(r.upperBound, last)
        } else {
            busOffsets[offset] = phys ... last
        }
    }
}
