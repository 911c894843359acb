/// `iommu_dma_map_sg_swiotlb` (§4.2, §4.8): untrusted devices map entry by
/// entry; an entry not granule-shaped bounces (alloc_align_mask = G-1) and
/// every entry gets its own IOVA allocation. No merging.
struct IOMMUSwiotlbMapper {
    var device: DeviceProperties
    var behaviour: KernelBehaviour
    var context: MapContext

    func map(_ entries: [ScatterEntry]) -> MapOutcome {
        let g = device.iovaGranule
        let bouncer = SwiotlbBounce(device: device, behaviour: behaviour, pool: context.swiotlbPool ?? SwiotlbBounce.defaultPool)
        var segments: [DMASegment] = []
        segments.reserveCapacity(entries.count)
        var runs: [IOMMURun] = []
        runs.reserveCapacity(entries.count)
        var bounced: [Int] = []
        // Successive allocations of a fresh domain go top-down; an observed
        // base pins the first one (later ones are then only a guess).
        var cursor: UInt64? = nil
        for (i, e) in entries.enumerated() {
            var phys = e.phys
            let size = UInt64(e.length)
            if (phys | size) & (g - 1) != 0 {
                guard let slot = bouncer.bounce(orig: phys, size: size, allocAlignMask: g - 1, observed: context.bounceAddresses[i]) else {
                    return .failed(.notCapable(entry: i))
                }
                phys = slot
                bounced.append(i)
            }
            let off = phys & (g - 1)
            let ilen = (size + off + g - 1) & ~(g - 1)
            let iova: UInt64
            if let observed = context.perEntryIOVABases[i] ?? (i == 0 ? context.iovaBase : nil) {
                iova = observed
            } else if let c = cursor {
                let align = IOVAAllocation.alignment(length: ilen, granule: g)
                let bytes = IOVAAllocation.allocatedPages(length: ilen, granule: g) * g
                guard c >= bytes &+ g else { return .failed(.noIOVASpace) }
                iova = (c - bytes) & ~(align - 1)
            } else {
                guard let b = IOVAAllocation.canonicalBase(length: ilen, device: device) else { return .failed(.noIOVASpace) }
                iova = b
            }
            cursor = iova
            if ilen != 0 { runs.append(IOMMURun(iova: iova, phys: phys - off, size: ilen)) }
            segments.append(DMASegment(address: iova &+ off, length: e.length))
        }
        return .mapped(MapResult(segments: segments, path: .iommuSwiotlb, iommuRuns: runs, bouncedEntries: bounced))
    }
}
