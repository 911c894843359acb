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

    /// Top-down first fit below `min(limit, 4 GiB)` in an empty domain
    /// (PCI devices start on the 32-bit workaround); nil when it cannot fit.
    public static func canonicalBase(length: UInt64, device: DeviceProperties) -> UInt64? {
        let g = device.iovaGranule
        let (bytes, over) = allocatedPages(length: length, granule: g).multipliedReportingOverflow(by: g)
        let align = alignment(length: length, granule: g)
        let limit = min(device.addressLimit, 0xffff_ffff)
        let top = limit &+ 1
        guard !over, align != 0, bytes <= top else { return nil }
        let base = (top - bytes) & ~(align - 1)
        return base >= g ? base : nil  // IOVA page 0 is never handed out
    }

    static func nextPowerOfTwo(_ x: UInt64) -> UInt64 {
        if x <= 1 { return 1 }
        let shift = UInt64.bitWidth - (x - 1).leadingZeroBitCount
        return shift >= 64 ? 0 : 1 << UInt64(shift)
    }
}
