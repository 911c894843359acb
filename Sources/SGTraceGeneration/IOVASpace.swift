/// The generator's IOVA allocator: top-down through a window, wrapping at its bottom (the
/// live set is small, so a wrapped allocation never meets a live range) — except leaked
/// ranges, which stay allocated to the end: the allocator steps over them, as the kernel's
/// rbtree allocator does. Once leaks fill three quarters of the 32-bit window, allocation
/// moves on to a window above 4 GiB (dma-iommu falls back to the device's full mask when the
/// 32-bit space is exhausted), and so on.
///
/// Leaked ranges are kept in descending address order in two lists: `behind` (at or above the
/// allocation pointer, in the order the pointer passed them) and `ahead` (below it, still to
/// be stepped over). At a wrap `behind` followed by what is left of `ahead` is again
/// descending and becomes the new `ahead`. Every operation is O(1) amortised.
struct IOVASpace {
    private static let windowBottom: UInt64 = 0x1000_0000
    private static let windowTop: UInt64 = 0xffff_f000

    private var window: UInt64 = 0
    private var next: UInt64 = IOVASpace.windowTop
    private var behind: [(start: UInt64, end: UInt64)] = []
    private var ahead: [(start: UInt64, end: UInt64)] = []
    private var aheadIndex = 0
    /// Bytes of leaked ranges in the current window.
    private var leakedBytes: UInt64 = 0

    private var bottom: UInt64 { window << 32 + IOVASpace.windowBottom }
    private var top: UInt64 { window << 32 + IOVASpace.windowTop }

    /// `size` bytes of IOVA; `leaked` ones are never handed out again.
    mutating func allocate(_ size: UInt64, leaked: Bool) -> UInt64 {
        if leaked && (leakedBytes + size) * 4 > (IOVASpace.windowTop - IOVASpace.windowBottom) * 3 { nextWindow() }
        var wraps = 0
        while true {
            if next < bottom + size {
                wraps += 1
                if wraps > 1 { nextWindow() } else { wrap() }
                continue
            }
            let start = next - size
            if aheadIndex < ahead.count, ahead[aheadIndex].end > start {
                // The highest leaked range below the pointer is in the way: step below it.
                next = ahead[aheadIndex].start
                behind.append(ahead[aheadIndex])
                aheadIndex += 1
                continue
            }
            next = start
            if leaked {
                behind.append((start, start + size))
                leakedBytes += size
            }
            return start
        }
    }

    private mutating func wrap() {
        next = top
        if !ahead.isEmpty || !behind.isEmpty {
            behind.append(contentsOf: ahead[aheadIndex...])
            ahead = behind
            behind = []
            aheadIndex = 0
        }
    }

    private mutating func nextWindow() {
        window += 1
        next = top
        behind = []
        ahead = []
        aheadIndex = 0
        leakedBytes = 0
    }
}
