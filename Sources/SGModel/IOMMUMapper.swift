/// `iommu_dma_map_sg` main path (§4.3–§4.7): in-place granule layout, one IOVA
/// allocation, `iommu_map_sg` runs, then `__finalise_sg`.
struct IOMMUMapper {
    var device: DeviceProperties
    var behaviour: KernelBehaviour
    var deviations: ModelDeviations
    var context: MapContext

    /// One entry after pass 1: the kernel's in-place rewrite of `struct scatterlist`.
    struct Laid {
        /// `sg_phys` after the rewrite (granule aligned for memory entries).
        var phys: UInt64
        /// `s->length` (u32): aligned length plus padding; the original for bus entries.
        var length: UInt32
        /// `sg_dma_address`: the stashed IOVA offset, or the bus address.
        var stashedAddress: UInt64
        /// `sg_dma_len`: the stashed original length, or the bus entry's DMA length.
        var stashedLength: UInt32
        var isBus: Bool
    }

    func map(_ entries: [ScatterEntry]) -> MapOutcome {
        let n = entries.count
        return withUnsafeTemporaryAllocation(of: Laid.self, capacity: max(n, 1)) { buffer -> MapOutcome in
            let laid = buffer.baseAddress!
            var iovaLength: UInt64 = 0
            if let failure = layout(entries, into: laid, iovaLength: &iovaLength) {
                return .failed(failure)
            }
            var base: UInt64 = 0
            var runs: [IOMMURun] = []
            if iovaLength != 0 || !behaviour.iommuSkipsEmptyAllocation {
                guard let b = context.iovaBase ?? IOVAAllocation.canonicalBase(length: iovaLength, device: device) else {
                    return .failed(.noIOVASpace)
                }
                base = b
                runs.reserveCapacity(n)
                let mapped = mapRuns(laid, count: n, base: base, runs: &runs)
                if mapped < iovaLength {
                    return .failed(.invalid("device \(device.name): iommu_map_sg mapped 0x\(String(mapped, radix: 16)) of 0x\(String(iovaLength, radix: 16)) bytes"))
                }
            }
            var segments: [DMASegment] = []
            segments.reserveCapacity(n)
            finalise(laid, count: n, base: base, entries: entries, into: &segments)
            return .mapped(MapResult(segments: segments, path: .iommu, iovaBase: base, iovaLength: iovaLength, iommuRuns: runs))
        }
    }

    /// Pass 1 (§4.3): granule-shapes every memory entry, pads the previous
    /// entry up to a segment boundary, classifies P2P pages.
    private func layout(_ entries: [ScatterEntry], into laid: UnsafeMutablePointer<Laid>, iovaLength: inout UInt64) -> MapFailure? {
        let g = device.iovaGranule
        let mask = device.segmentBoundaryMask
        let p2p = behaviour.p2pInMapSG || deviations.p2pAlwaysInMapSG
        var prev = -1
        for i in entries.indices {
            let e = entries[i]
            let kind = p2p ? PageClass.of(e.pagePhys, device: device, windows: context.p2pWindows) : .memory
            switch kind {
            case .notSupported:
                return .p2pNotSupported(entry: i)
            case .busAddress(let busOffset):
                var address = e.phys &+ busOffset
                if deviations.p2pOffsetAddedTwice { address &+= UInt64(e.offset) }
                let length = behaviour.iommuBusLengthFromHead ? (i == 0 ? e.length : laid[0].length) : e.length
                laid[i] = Laid(phys: e.phys, length: e.length, stashedAddress: address, stashedLength: length, isBus: true)
                continue
            case .memory, .thruHostBridge:
                break
            }
            let off = UInt64(e.offset) & (g - 1)
            let pad = (mask &- iovaLength &+ 1) & mask
            let aligned = (UInt64(e.length) + off + g - 1) & ~(g - 1)
            laid[i] = Laid(
                phys: e.pagePhys &+ (UInt64(e.offset) - off), length: UInt32(truncatingIfNeeded: aligned),
                stashedAddress: off, stashedLength: e.length, isBus: false)
            if pad != 0, pad < aligned &- 1, prev >= 0 {
                laid[prev].length &+= UInt32(truncatingIfNeeded: pad)
                iovaLength &+= pad
            }
            iovaLength &+= aligned
            prev = i
        }
        return nil
    }

    /// `iommu_map_sg` (§4.5), literally: the loop runs once more on the last
    /// entry to flush, so a run ending in a contiguous zero-length entry is
    /// never mapped (the kernel then fails the whole map).
    private func mapRuns(_ laid: UnsafeMutablePointer<Laid>, count n: Int, base: UInt64, runs: inout [IOMMURun]) -> UInt64 {
        var start: UInt64 = 0
        var len: UInt64 = 0
        var mapped: UInt64 = 0
        var i = 0
        while i <= n, n > 0 {
            let s = laid[min(i, n - 1)]
            if len != 0, s.phys != start &+ len {
                runs.append(IOMMURun(iova: base &+ mapped, phys: start, size: len))
                mapped &+= len
                len = 0
            }
            if !s.isBus {
                if len != 0 {
                    len &+= UInt64(s.length)
                } else {
                    len = UInt64(s.length)
                    start = s.phys
                }
            }
            i += 1
        }
        return mapped
    }

    /// `__finalise_sg` (§4.6), exactly, with the kernel's u32 arithmetic.
    private func finalise(_ laid: UnsafeMutablePointer<Laid>, count n: Int, base: UInt64, entries: [ScatterEntry], into out: inout [DMASegment]) {
        let segMask = device.segmentBoundaryMask
        var maxLen = device.maxSegmentSize
        if deviations.busFlagInLengthBit31, listHasP2PPages(entries) { maxLen = min(maxLen, 0x7fff_ffff) }
        var curLen: UInt32 = 0
        var dma = base
        for i in 0..<n {
            let s = laid[i]
            let sOff = UInt32(truncatingIfNeeded: s.stashedAddress)
            let sLen = s.stashedLength
            let sILen = s.length
            if s.isBus || (deviations.zeroIOVALengthMarksBusAddress && sILen == 0) {
                let address = s.isBus ? s.stashedAddress : entries[i].phys
                out.append(DMASegment(address: address, length: sLen, isBusAddress: true))
                curLen = 0
                continue
            }
            let fits = behaviour.mergeTestSumsLengths ? curLen &+ sLen <= maxLen : maxLen &- curLen >= sLen
            if curLen != 0, sOff == 0, dma & segMask != 0, fits {
                curLen &+= sLen
                out[out.count - 1].length = curLen
            } else {
                curLen = sLen
                out.append(DMASegment(address: dma &+ UInt64(sOff), length: curLen))
            }
            dma &+= UInt64(sILen)
            if sLen &+ sOff < sILen { curLen = 0 }
        }
    }

    private func listHasP2PPages(_ entries: [ScatterEntry]) -> Bool {
        entries.contains { PageClass.of($0.pagePhys, device: device, windows: context.p2pWindows).isP2P }
    }
}
