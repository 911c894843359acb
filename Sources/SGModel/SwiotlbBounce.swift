/// Where swiotlb puts one bounce buffer (§3.5 of the reference).
///
/// The model does not know which slots are free; it takes the observed bounce
/// address when replay supplies one, else the lowest slot run of the pool that
/// satisfies the alignment rules.
struct SwiotlbBounce {
    /// `IO_TLB_SIZE`.
    static let slotSize: UInt64 = 2048
    /// `IO_TLB_SEGSIZE` slots.
    static let maxSlots: UInt64 = 128
    /// The pool assumed when replay knows none: 64 MiB at 0x7c00_0000.
    static let defaultPool = SwiotlbPool(start: 0x7c00_0000, size: 64 << 20)

    var device: DeviceProperties
    var behaviour: KernelBehaviour
    var pool: SwiotlbPool

    /// The bounce buffer's physical address for `orig`/`size`, or nil when no
    /// slot run can hold it (the map fails).
    /// - Parameter allocAlignMask: 0 from dma-direct, `G-1` from dma-iommu.
    func bounce(orig: UInt64, size: UInt64, allocAlignMask aam: UInt64, observed: UInt64?) -> UInt64? {
        let minMask = behaviour.swiotlbMinAlignMask ? device.minAlignMask : 0
        var aamEff = aam | (Self.slotSize - 1)
        if aam == 0, minMask == 0, size >= device.pageSize, behaviour.swiotlbPageAlignsLargeMappings {
            aamEff = device.pageSize - 1
        }
        let offset = orig & minMask & aamEff
        let slotAlign = aamEff + 1
        let bytes = (size &+ offset &+ slotAlign &- 1) & ~(slotAlign - 1)
        if size > Self.maxSlots * Self.slotSize || bytes > Self.maxSlots * Self.slotSize { return nil }
        if let observed { return observed }
        let matchMask = minMask & ~aamEff
        let pattern = orig & matchMask
        let step = (matchMask | aamEff) &+ 1
        let poolEnd = pool.start &+ pool.size
        var s = (pool.start & ~(step &- 1)) | pattern
        if s < pool.start { s &+= step }
        let boundary = device.segmentBoundaryMask
        var guardCount = 0
        while s < poolEnd, poolEnd - s >= max(bytes, Self.slotSize), guardCount < 1 << 16 {
            let last = s &+ max(bytes, 1) &- 1
            if (s ^ last) & ~boundary == 0 { return s &+ offset }
            // Move to the next boundary, keeping the pattern bits.
            let next = (s | boundary) &+ 1
            s = (next & ~(step &- 1)) | pattern
            if s < next { s &+= step }
            guardCount += 1
        }
        return nil
    }
}
