/// The IOVA allocator's shape rules (§4.4): size rounding, alignment, and the
/// base a fresh domain hands out. The absolute address a busy domain picks is
/// not modelled; replay passes the observed base in ``MapContext/iovaBase``.
public enum IOVAAllocation {
    /// `IOVA_RANGE_CACHE_MAX_SIZE`: allocations below 2^(6-1) pages are rounded to a power of two.
    static let roundedBelowPages: UInt64 = 32

    /// Pages actually taken for `length` bytes (a multiple of `granule`); a
    /// zero-length request takes one page (what `roundup_pow_of_two(0)` gives on x86).
    public static func allocatedPages(length: UInt64, granule: UInt64) -> UInt64 {
        let pages = max(length / granule, 1)
        return pages < roundedBelowPages ? nextPowerOfTwo(pages) : pages
    }

    /// Alignment of the base in bytes: granule × next power of two ≥ pages.
    public static func alignment(length: UInt64, granule: UInt64) -> UInt64 {
        granule &* nextPowerOfTwo(max(length / granule, 1))
    }

    /// Input-address width assumed for the IOMMU aperture (4-level tables).
    public static let apertureEnd: UInt64 = (1 << 48) - 1

    /// Top-down first fit in an empty domain: below 4 GiB first (PCI devices
    /// start on the 32-bit workaround), else below `min(limit, aperture)`;
    /// nil when it fits nowhere (-ENOMEM).
    public static func canonicalBase(length: UInt64, device: DeviceProperties) -> UInt64? {
        let limit = min(device.addressLimit, apertureEnd)
        if let low = topDown(length: length, granule: device.iovaGranule, limit: min(limit, 0xffff_ffff)) { return low }
        return limit > 0xffff_ffff ? topDown(length: length, granule: device.iovaGranule, limit: limit) : nil
    }

    static func topDown(length: UInt64, granule g: UInt64, limit: UInt64) -> UInt64? {
        let (bytes, over) = allocatedPages(length: length, granule: g).multipliedReportingOverflow(by: g)
        let align = alignment(length: length, granule: g)
        let top = limit &+ 1
        guard !over, align != 0, top != 0, bytes <= top else { return nil }
        let base = (top - bytes) & ~(align - 1)
        return base >= g ? base : nil  // IOVA page 0 is never handed out
    }

    /// The main path's allocation base from an observed mapping: entry 0 opens
    /// output 0 at `base + (offset0 & (G-1))`. Exact whenever entry 0 is not a
    /// P2P bus-address entry (validated on every call of the real 6.1 capture).
    public static func observedBase(firstOutput: UInt64, firstEntry: ScatterEntry, granule: UInt64) -> UInt64 {
        firstOutput &- (UInt64(firstEntry.offset) & (granule &- 1))
    }

    static func nextPowerOfTwo(_ x: UInt64) -> UInt64 {
        if x <= 1 { return 1 }
        let shift = UInt64.bitWidth - (x - 1).leadingZeroBitCount
        return shift >= 64 ? 0 : 1 << UInt64(shift)
    }
}
