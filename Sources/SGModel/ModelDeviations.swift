/// How a candidate design departs from the reference kernel. All off = reference.
public struct ModelDeviations: Sendable, Hashable {
    /// P2P bus address computed as `sg_phys + offset + bus_offset` (the page
    /// offset added twice, 2020/2021 RFC arithmetic without its sign error).
    public var p2pOffsetAddedTwice = false
    /// dma-iommu finalise takes every entry with a zero IOVA length for a P2P
    /// bus-address entry (RFC v2 used "P2P page and zero IOVA length").
    public var zeroIOVALengthMarksBusAddress = false
    /// The bus-address flag lives in bit 31 of `dma_length` (2020 RFC): P2P
    /// lengths read with the bit set, any length >= 2 GiB reads as P2P, and
    /// dma-iommu caps merging at 2^31-1 for lists carrying P2P pages.
    public var busFlagInLengthBit31 = false
    /// The bus-address flag lives in bit 2 of `page_link` (2021 v1–v3): an
    /// output slot whose own page pointer has bit 2 set reads as P2P.
    public var busFlagInPageLink: PageLinkLayout?
    /// P2PDMA pages are handled by `map_sg` whatever the release (the
    /// candidates are designs of that feature).
    public var p2pAlwaysInMapSG = false

    public init() {}

    /// True when nothing deviates.
    public var isReference: Bool { self == ModelDeviations() }
}

/// Where `struct page` pointers lie, to tell whether `page_link` bit 2 is
/// part of a page pointer.
public struct PageLinkLayout: Sendable, Hashable {
    /// Virtual address of the `struct page` of PFN 0 (vmemmap / mem_map base).
    public var memmapBase: UInt64
    /// `sizeof(struct page)`.
    public var structPageSize: UInt64
    /// log2(PAGE_SIZE).
    public var pageShift: UInt64

    public init(memmapBase: UInt64, structPageSize: UInt64, pageShift: UInt64 = 12) {
        self.memmapBase = memmapBase
        self.structPageSize = structPageSize
        self.pageShift = pageShift
    }

    /// x86-64: vmemmap at 0xffffea0000000000, 64-byte pages: bit 2 never set.
    public static let x86_64 = PageLinkLayout(memmapBase: 0xffff_ea00_0000_0000, structPageSize: 64)

    /// A 32-bit build whose `struct page` is 36 bytes (4-byte aligned), mem_map
    /// at 0xc1000000: every other page pointer has bit 2 set.
    public static let i386With36BytePages = PageLinkLayout(memmapBase: 0xc100_0000, structPageSize: 36)

    /// The `struct page *` of the page at `pagePhys` (wrapping like the pointer arithmetic).
    public func pagePointer(_ pagePhys: UInt64) -> UInt64 {
        memmapBase &+ (pagePhys >> pageShift) &* structPageSize
    }

    /// True when the page pointer itself has the flag bit (0x04) set.
    public func collides(_ pagePhys: UInt64) -> Bool { pagePointer(pagePhys) & 0x4 != 0 }
}
