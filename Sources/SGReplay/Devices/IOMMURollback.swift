import SGIngest

extension IOMMUUnmapEvent {
    /// True when this `iommu:unmap` takes back every one of `runs`, the
    /// `iommu:map` runs its CPU and task emitted since their last DMA event:
    /// `iommu_map_sg` failing part-way unmaps what it mapped from the start
    /// of the allocation and the map call returns silently (§3 of
    /// trace-formats.md), so those runs belong to no later `dma_map_*` event.
    /// An unrelated unmap on the same CPU (an interrupt's `dma_unmap_phys`)
    /// covers other IOVAs and leaves the runs pending.
    func rollsBack(_ runs: [IOMMUMapEvent]) -> Bool {
        guard !runs.isEmpty else { return false }
        let end = iova &+ size
        return runs.allSatisfy { $0.iova >= iova && $0.iova &+ $0.size <= end && $0.iova &+ $0.size >= $0.iova }
    }
}
